/**
 * The gazetteer as people meet it: an area's children, one area by code (with
 * the areas above it, for labels), and search by name at any level.
 * Plain functions over the database; nothing here knows about Telegram.
 */
import { and, asc, eq, inArray, isNull, like, ne, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client.js";
import { areas, type Area, type AreaLevel } from "../../db/schema/index.js";
import { normaliseForSearch } from "./normalise.js";

export type { Area };

/** An area with the areas above it, province first (empty for a province). */
export interface AreaWithPath extends Area {
  path: Area[];
}

export type MatchRank = "exact" | "prefix" | "substring" | "similar";
export interface AreaMatch extends AreaWithPath {
  rank: MatchRank;
}

/** The levels people live in and pick from; villages are searchable only when asked for. */
export const pickableLevels: readonly AreaLevel[] = ["province", "district", "commune"];

const levelOrder: Record<AreaLevel, number> = { province: 0, district: 1, commune: 2, village: 3 };

const areaColumns = {
  code: areas.code,
  level: areas.level,
  parentCode: areas.parentCode,
  nameKm: areas.nameKm,
  nameEn: areas.nameEn,
  unitKm: areas.unitKm,
  unitEn: areas.unitEn,
};

/** Codes are hierarchical (2, 4, 6, 8 digits): a code is well-formed or it is not an area. */
export function isAreaCode(code: string): boolean {
  return /^[0-9]{2}(?:[0-9]{2}){0,3}$/.test(code);
}

/** The level a code's length implies. */
export function levelOfCode(code: string): AreaLevel | undefined {
  return ({ 2: "province", 4: "district", 6: "commune", 8: "village" } as const)[code.length as 2 | 4 | 6 | 8];
}

/**
 * Areas by code, and the lists of an area's children, are kept in this process once read:
 * nearly every update names an area (the person's commune, a complaint's place, a council),
 * every tap in the location picker lists one, and the gazetteer changes only when
 * areas:import runs. An import in this process empties the cache at once (forgetAreas); other
 * running processes see a corrected name within AREA_CACHE_MS. Unknown codes are not kept,
 * so an area an import adds is found at once. At most the whole gazetteer is held (~15,000
 * rows, a few MB).
 */
export const AREA_CACHE_MS = 10 * 60_000;
interface AreaCache {
  byCode: Map<string, { area: Area; until: number }>;
  /** By parent code ("" for the provinces). */
  children: Map<string, { areas: Area[]; until: number }>;
}
/** By database (server and name), so that every connection pool of this process to it shares one copy. */
const cachedAreas = new Map<string, AreaCache>();
function cacheOf(db: Database): AreaCache {
  const key = databaseOf(db);
  let cache = cachedAreas.get(key);
  if (!cache) cachedAreas.set(key, (cache = { byCode: new Map(), children: new Map() }));
  return cache;
}
function databaseOf(db: Database): string {
  const { host, port, database } = db.$client.options;
  return `${host.join(",")}:${port.join(",")}/${database}`;
}

/** After an import: this process's copy of that database's gazetteer is dropped. */
export function forgetAreas(db: Database): void {
  cachedAreas.delete(databaseOf(db));
}

/** The areas of these codes that exist, by code (one query for those not already at hand). */
export async function findAreas(db: Database, codes: readonly string[]): Promise<Map<string, Area>> {
  const cache = cacheOf(db).byCode;
  const found = new Map<string, Area>();
  const missing: string[] = [];
  const now = Date.now();
  for (const code of new Set(codes)) {
    const hit = cache.get(code);
    if (hit && hit.until > now) found.set(code, hit.area);
    else if (isAreaCode(code)) missing.push(code);
  }
  if (missing.length) {
    const rows = await db.select(areaColumns).from(areas).where(missing.length === 1 ? eq(areas.code, missing[0]!) : inArray(areas.code, missing));
    for (const row of rows) {
      cache.set(row.code, { area: row, until: now + AREA_CACHE_MS });
      found.set(row.code, row);
    }
  }
  return found;
}

export async function findArea(db: Database, code: string): Promise<Area | undefined> {
  return (await findAreas(db, [code])).get(code);
}

/** The area and the areas above it (the hierarchy is at most four deep; codes say the path). */
export async function findAreaWithPath(db: Database, code: string): Promise<AreaWithPath | undefined> {
  if (!isAreaCode(code)) return undefined;
  const ancestors = [2, 4, 6].filter((n) => n < code.length).map((n) => code.slice(0, n));
  const found = await findAreas(db, [...ancestors, code]);
  const self = found.get(code);
  return self ? { ...self, path: ancestors.flatMap((c) => found.get(c) ?? []) } : undefined;
}

/** The areas directly below `parentCode` (the provinces for null), sorted by code. */
export async function childAreas(db: Database, parentCode: string | null): Promise<readonly Area[]> {
  const cache = cacheOf(db).children;
  const now = Date.now();
  const hit = cache.get(parentCode ?? "");
  if (hit && hit.until > now) return hit.areas;
  const rows = await db
    .select(areaColumns)
    .from(areas)
    .where(parentCode === null ? and(isNull(areas.parentCode), eq(areas.level, "province")) : eq(areas.parentCode, parentCode))
    .orderBy(asc(areas.code));
  // Like unknown codes, an empty list is not kept: children an import adds are listed at once.
  if (rows.length) cache.set(parentCode ?? "", { areas: rows, until: now + AREA_CACHE_MS });
  return rows;
}

export interface SearchOptions {
  /** Only these levels (default: province, district and commune). */
  levels?: readonly AreaLevel[];
  /** Only areas inside this one (a province or district code). */
  within?: string;
  /** At most this many matches (default 20). */
  limit?: number;
}

/**
 * Areas whose Khmer or Latin name matches what the person typed, best first:
 * exact name, then names starting with it, then names containing it; only when
 * none of these exists, names that look similar (trigram similarity, for
 * typing slips). Within a rank, higher levels come first, then by code.
 */
export async function searchAreas(db: Database, text: string, options: SearchOptions = {}): Promise<AreaMatch[]> {
  const query = normaliseForSearch(text);
  if (query === "") return [];
  const levels = options.levels ?? pickableLevels;
  const limit = options.limit ?? 20;
  const scope: SQL[] = [inArray(areas.level, [...levels])];
  if (options.within !== undefined) {
    if (!isAreaCode(options.within)) return [];
    scope.push(like(areas.code, `${options.within}%`), ne(areas.code, options.within));
  }
  const km = sql`split_part(${areas.searchText}, ' ', 1)`;
  const en = sql`split_part(${areas.searchText}, ' ', 2)`;
  const escaped = query.replace(/[\\%_]/g, (c) => `\\${c}`);

  const rank = sql<number>`case when ${km} = ${query} or ${en} = ${query} then 0
    when starts_with(${km}, ${query}) or starts_with(${en}, ${query}) then 1 else 2 end`;
  let rows = await db
    .select({ ...areaColumns, rank })
    .from(areas)
    .where(and(...scope, sql`${areas.searchText} like ${`%${escaped}%`}`))
    .orderBy(rank, sql`case ${areas.level} when 'province' then 0 when 'district' then 1 when 'commune' then 2 else 3 end`, asc(areas.code))
    .limit(limit);

  if (rows.length === 0 && query.length >= 3) {
    const score = sql<number>`greatest(similarity(${km}, ${query}), similarity(${en}, ${query}))`;
    rows = await db
      .select({ ...areaColumns, rank: sql<number>`3` })
      .from(areas)
      .where(and(...scope, sql`${score} >= 0.35`))
      .orderBy(sql`${score} desc`, asc(areas.code))
      .limit(limit);
  }
  if (rows.length === 0) return [];

  const ranks: MatchRank[] = ["exact", "prefix", "substring", "similar"];
  const paths = await pathsOf(db, rows.map((r) => r.code));
  return rows.map(({ rank, ...area }) => ({ ...area, rank: ranks[Number(rank)]!, path: paths(area.code) }));
}

/** The ancestors of several areas, at once (from the cache, mostly: there are few provinces and districts). */
async function pathsOf(db: Database, codes: string[]): Promise<(code: string) => Area[]> {
  const wanted = new Set<string>();
  for (const code of codes) for (const n of [2, 4, 6]) if (n < code.length) wanted.add(code.slice(0, n));
  const byCode = await findAreas(db, [...wanted]);
  return (code) =>
    [2, 4, 6]
      .filter((n) => n < code.length)
      .map((n) => byCode.get(code.slice(0, n)))
      .filter((a): a is Area => a !== undefined)
      .sort((a, b) => levelOrder[a.level] - levelOrder[b.level]);
}
