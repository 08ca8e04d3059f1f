/**
 * Complaints as open data, in the shape of Open311 GeoReport v2: complaint
 * categories are the "services", complaints the "service requests". Plain
 * functions over the database; the HTTP side is in http.ts.
 *
 * What is published: the public reference, category, status, dates, the
 * commune (name and code) and the council. The text only when the citizen
 * agreed to publish it. Never a name, a Telegram id, photos, voice or the
 * location pin (the commune is the finest place given).
 */
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client.js";
import { areas, complaints, type ComplaintStatus } from "../../db/schema/index.js";
import { translator, type Language } from "../../i18n.js";
import { areaLabel } from "../areas/names.js";
import { complaintCategories, complaintCategoryKey, type ComplaintCategory } from "../catalogue/complaint-categories.js";
import { councilName } from "../councils/councils.js";

export type Open311Status = "open" | "closed";

/** Our statuses as Open311's two: finished ones are closed. */
export const open311StatusOf: Record<ComplaintStatus, Open311Status> = {
  new: "open",
  acknowledged: "open",
  in_progress: "open",
  forwarded: "open",
  resolved: "closed",
  closed: "closed",
  rejected: "closed",
};
const statusesFor = (status: Open311Status) => (Object.keys(open311StatusOf) as ComplaintStatus[]).filter((s) => open311StatusOf[s] === status);

/** Open311 "group": categories gathered the way report readers look for them. */
const categoryGroups: Record<ComplaintCategory, string> = {
  extra_fees: "integrity",
  information_withheld: "integrity",
  staff_absent: "service_delivery",
  rude_unfair: "service_delivery",
  supplies_missing: "service_delivery",
  documents_delay: "service_delivery",
  infrastructure: "infrastructure",
  land: "community",
  safety: "community",
  other: "community",
};

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: false;
  type: "realtime";
  keywords: string;
  group: string;
}

export function open311Services(lang: Language): Open311Service[] {
  const t = translator(lang);
  return complaintCategories.map((c) => ({
    service_code: c.key,
    service_name: t(complaintCategoryKey(c.key)),
    description: t(`exports.open311.descriptions.${c.key}`),
    metadata: false as const,
    type: "realtime" as const,
    keywords: t(`exports.open311.keywords.${c.key}`),
    group: t(`exports.open311.groups.${categoryGroups[c.key]}`),
  }));
}

export interface Open311Request {
  service_request_id: string;
  status: Open311Status;
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string | null;
  agency_responsible: string | null;
  requested_datetime: string;
  updated_datetime: string;
  address: string;
  zipcode: string;
}

export interface RequestFilter {
  serviceCodes?: string[];
  statuses?: Open311Status[];
  /** Inclusive. */
  start?: Date;
  /** Exclusive. */
  end?: Date;
  page: number;
  pageSize: number;
}

const commune = alias(areas, "commune");
const councilArea = alias(areas, "council_area");

const requestColumns = {
  reference: complaints.reference,
  status: complaints.status,
  category: complaints.category,
  description: complaints.description,
  publishText: complaints.publishText,
  createdAt: complaints.createdAt,
  updatedAt: complaints.updatedAt,
  communeCode: complaints.communeCode,
  commune: { level: commune.level, nameKm: commune.nameKm, nameEn: commune.nameEn, unitKm: commune.unitKm, unitEn: commune.unitEn },
  council: { level: councilArea.level, nameKm: councilArea.nameKm, nameEn: councilArea.nameEn, unitKm: councilArea.unitKm, unitEn: councilArea.unitEn },
};
type RequestRow = Awaited<ReturnType<typeof selectRequests>>[number];

function selectRequests(db: Database, where: SQL | undefined) {
  return db
    .select(requestColumns)
    .from(complaints)
    .innerJoin(commune, eq(commune.code, complaints.communeCode))
    .leftJoin(councilArea, eq(councilArea.code, complaints.councilAreaCode))
    .where(where);
}

function whereOf(filter: Omit<RequestFilter, "page" | "pageSize">): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.serviceCodes?.length) conditions.push(inArray(complaints.category, filter.serviceCodes));
  if (filter.statuses?.length) conditions.push(inArray(complaints.status, filter.statuses.flatMap(statusesFor)));
  if (filter.start) conditions.push(gte(complaints.createdAt, filter.start));
  if (filter.end) conditions.push(lt(complaints.createdAt, filter.end));
  return conditions.length ? and(...conditions) : undefined;
}

/** Complaints matching the filter, newest first, one page. */
export async function open311Requests(db: Database, filter: RequestFilter, lang: Language, timeZone: string): Promise<Open311Request[]> {
  const rows = await selectRequests(db, whereOf(filter))
    .orderBy(desc(complaints.createdAt), desc(complaints.id))
    .limit(filter.pageSize)
    .offset((filter.page - 1) * filter.pageSize);
  return rows.map((row) => toRequest(row, lang, timeZone));
}

export async function open311Request(db: Database, reference: string, lang: Language, timeZone: string): Promise<Open311Request | undefined> {
  const [row] = await selectRequests(db, eq(complaints.reference, reference)).limit(1);
  return row ? toRequest(row, lang, timeZone) : undefined;
}

function toRequest(row: RequestRow, lang: Language, timeZone: string): Open311Request {
  const t = translator(lang);
  return {
    service_request_id: row.reference,
    status: open311StatusOf[row.status],
    // Our finer status, without its emoji ("In progress", "Forwarded"…).
    status_notes: t(`complaints.status.${row.status}`).replace(/^\P{L}+/u, ""),
    service_name: t(complaintCategoryKey(row.category)),
    service_code: row.category,
    description: row.publishText ? row.description : null,
    agency_responsible: row.council?.level ? councilName(row.council, lang) : null,
    requested_datetime: isoInZone(row.createdAt, timeZone),
    updated_datetime: isoInZone(row.updatedAt, timeZone),
    address: areaLabel(row.commune, lang),
    zipcode: row.communeCode,
  };
}

/** ISO 8601 with the zone's offset: "2026-07-03T14:05:09+07:00". */
export function isoInZone(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "longOffset",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : String(parts.timeZoneName).replace("GMT", "");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** Counts requests by the same filter (for paging headers). */
export async function open311RequestCount(db: Database, filter: Omit<RequestFilter, "page" | "pageSize">): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(complaints).where(whereOf(filter));
  return row?.n ?? 0;
}
