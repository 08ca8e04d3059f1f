/**
 * Complaints as plain functions over the database: filing (reference and
 * first event in one transaction, with the daily limit), reading a citizen's
 * complaints and a complaint's history, routing to a council, and letting a
 * person go (/forget) while the council keeps the complaint.
 */
import { and, asc, desc, eq, isNull, ne, notInArray, or, sql } from "drizzle-orm";
import { inTransaction, type Database, type DatabaseOrTransaction } from "../../db/client.js";
import {
  complaintEvents,
  complaintReferenceCounters,
  complaints,
  type Complaint,
  type ComplaintEvent,
} from "../../db/schema/index.js";
import { wallClock } from "../../i18n.js";
import { findArea } from "../areas/areas.js";
import { responsibleLevel, type ComplaintCategory } from "../catalogue/complaint-categories.js";
import { linkedCouncilForArea, type Area } from "../councils/councils.js";
import type { Council } from "../../db/schema/index.js";
import { finished } from "./lifecycle.js";

export const DAILY_COMPLAINT_LIMIT = 5;
export const MAX_PHOTOS = 3;
export const DESCRIPTION_MIN = 10;
export const DESCRIPTION_MAX = 2000;

export interface ComplaintDraft {
  userId: number;
  communeCode: string;
  category: ComplaintCategory;
  serviceKey?: string;
  description: string;
  photoFileIds: string[];
  voiceFileId?: string;
  location?: { latitude: number; longitude: number };
  anonymous: boolean;
  /** The citizen agreed to publish the text as open data (off when not given). */
  publishText?: boolean;
  /** The first name shown to the council when not anonymous. */
  firstName?: string;
}

/** "MT-2026-000123". */
export function formatReference(year: number, sequence: number): string {
  return `MT-${year}-${String(sequence).padStart(6, "0")}`;
}

/** Start of today in the given time zone, as SQL (the daily limit counts calendar days there). */
function startOfToday(timeZone: string) {
  return sql`(date_trunc('day', now() at time zone ${timeZone}) at time zone ${timeZone})`;
}

export async function complaintsFiledToday(db: Database, userId: number, timeZone: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(complaints)
    .where(and(eq(complaints.userId, userId), sql`${complaints.createdAt} >= ${startOfToday(timeZone)}`));
  return row?.n ?? 0;
}

export type FileResult = { ok: true; complaint: Complaint } | { ok: false; reason: "daily_limit" };

/**
 * Records a complaint with its public reference and its first status event,
 * in one transaction. The per-person lock makes the daily limit hold even when
 * two confirmations race.
 */
export async function fileComplaint(db: DatabaseOrTransaction, draft: ComplaintDraft, options: { timeZone: string; dailyLimit?: number; now?: Date }): Promise<FileResult> {
  const now = options.now ?? new Date();
  const limit = options.dailyLimit ?? DAILY_COMPLAINT_LIMIT;
  return inTransaction(db, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('complaint-filing'), ${draft.userId})`);
    const [count] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(complaints)
      .where(and(eq(complaints.userId, draft.userId), sql`${complaints.createdAt} >= ${startOfToday(options.timeZone)}`));
    if ((count?.n ?? 0) >= limit) return { ok: false, reason: "daily_limit" } as const;

    const year = wallClock(now, options.timeZone).year;
    const [counter] = await tx
      .insert(complaintReferenceCounters)
      .values({ year, last: 1 })
      .onConflictDoUpdate({ target: complaintReferenceCounters.year, set: { last: sql`${complaintReferenceCounters.last} + 1` } })
      .returning();
    const [complaint] = await tx
      .insert(complaints)
      .values({
        reference: formatReference(year, counter!.last),
        userId: draft.userId,
        anonymous: draft.anonymous,
        reporterName: draft.anonymous ? null : (draft.firstName ?? null),
        communeCode: draft.communeCode,
        category: draft.category,
        serviceKey: draft.serviceKey ?? null,
        description: draft.description.trim(),
        publishText: draft.publishText ?? false,
        photoFileIds: draft.photoFileIds.slice(0, MAX_PHOTOS),
        voiceFileId: draft.voiceFileId ?? null,
        latitude: draft.location?.latitude ?? null,
        longitude: draft.location?.longitude ?? null,
        status: "new",
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await tx.insert(complaintEvents).values({
      complaintId: complaint!.id,
      kind: "status",
      fromStatus: null,
      toStatus: "new",
      actorKind: "citizen",
      actorUserId: draft.userId,
      createdAt: now,
    });
    return { ok: true, complaint: complaint! } as const;
  });
}

export async function complaintById(db: Database, id: number): Promise<Complaint | undefined> {
  const [complaint] = await db.select().from(complaints).where(eq(complaints.id, id)).limit(1);
  return complaint;
}

/** The citizen's complaints, newest first. */
export async function complaintsOf(db: Database, userId: number, limit = 10): Promise<Complaint[]> {
  return db.select().from(complaints).where(eq(complaints.userId, userId)).orderBy(desc(complaints.createdAt), desc(complaints.id)).limit(limit);
}

export async function complaintHistory(db: Database, complaintId: number): Promise<ComplaintEvent[]> {
  return db.select().from(complaintEvents).where(eq(complaintEvents.complaintId, complaintId)).orderBy(asc(complaintEvents.id));
}

export async function eventById(db: Database, id: number): Promise<ComplaintEvent | undefined> {
  const [event] = await db.select().from(complaintEvents).where(eq(complaintEvents.id, id)).limit(1);
  return event;
}

/** The latest status change made by a council (who acted, for the group message). */
export async function lastCouncilStatusEvent(db: Database, complaintId: number): Promise<ComplaintEvent | undefined> {
  const [event] = await db
    .select()
    .from(complaintEvents)
    .where(and(eq(complaintEvents.complaintId, complaintId), eq(complaintEvents.kind, "status")))
    .orderBy(desc(complaintEvents.id))
    .limit(1);
  return event;
}

export async function communeAndDistrict(db: Database, communeCode: string): Promise<{ commune: Area; district?: Area }> {
  const commune = await findArea(db, communeCode);
  if (!commune) throw new Error(`unknown commune ${communeCode}`);
  const district = commune.parentCode ? await findArea(db, commune.parentCode) : undefined;
  return { commune, ...(district ? { district } : {}) };
}

/**
 * The linked council that should hold the complaint now. A complaint already
 * owned by a council (delivered or forwarded) stays with it; otherwise the
 * category decides the level, and a commune-level complaint falls back to the
 * district when the commune has no linked group. Undefined: it waits.
 */
export async function councilToReach(db: Database, complaint: Complaint): Promise<Council | undefined> {
  if (complaint.councilAreaCode) return linkedCouncilForArea(db, complaint.councilAreaCode);
  const level = responsibleLevel(complaint.category as ComplaintCategory, complaint.serviceKey ?? undefined);
  const { commune, district } = await communeAndDistrict(db, complaint.communeCode);
  const candidates = level === "commune" ? [commune.code, district?.code] : [district?.code];
  for (const code of candidates) {
    if (!code) continue;
    const council = await linkedCouncilForArea(db, code);
    if (council) return council;
  }
  return undefined;
}

/**
 * Open complaints that a newly linked group of this council should receive:
 * those it owns but whose message is elsewhere (or nowhere yet), and those
 * still unrouted in its area.
 */
export async function complaintsAwaiting(db: Database, council: Council): Promise<Complaint[]> {
  const inArea = sql`${complaints.communeCode} like ${council.areaCode + "%"}`;
  return db
    .select()
    .from(complaints)
    .where(
      and(
        notInArray(complaints.status, [...finished]),
        or(
          and(eq(complaints.councilAreaCode, council.areaCode), or(isNull(complaints.groupChatId), ne(complaints.groupChatId, council.groupChatId ?? 0))),
          and(isNull(complaints.councilAreaCode), inArea),
        ),
      ),
    )
    .orderBy(asc(complaints.id));
}

/**
 * /forget: the complaints stay with the councils (they are public matters),
 * but nothing links them to the person any more.
 */
export async function detachComplaintsFrom(db: DatabaseOrTransaction, userId: number): Promise<number> {
  return inTransaction(db, async (tx) => {
    const detached = await tx
      .update(complaints)
      .set({ userId: null, reporterName: null, updatedAt: new Date() })
      .where(eq(complaints.userId, userId))
      .returning({ id: complaints.id });
    await tx.update(complaintEvents).set({ actorUserId: null }).where(eq(complaintEvents.actorUserId, userId));
    return detached.length;
  });
}
