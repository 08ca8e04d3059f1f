/**
 * The area search staff use when targeting a broadcast or a forum: a typed
 * code (2, 4 or 6 digits, Khmer digits too) or a name in Khmer or English,
 * matched by the gazetteer's own search.
 */
import { asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { areas } from "../../db/schema/index.js";
import { fromKhmerDigits, type Language } from "../../i18n.js";
import { searchAreas as searchGazetteer } from "../areas/areas.js";
import { normaliseForSearch } from "../areas/normalise.js";

export interface FoundArea {
  code: string;
  level: string;
  nameKm: string;
  nameEn: string;
  unitKm: string | null;
  unitEn: string | null;
}

const columns = { code: areas.code, level: areas.level, nameKm: areas.nameKm, nameEn: areas.nameEn, unitKm: areas.unitKm, unitEn: areas.unitEn };
const targetLevels = ["province", "district", "commune"] as const;

/** Provinces, districts and communes matching the query, best first (an exact code, else the gazetteer's ranking). */
export async function searchAreas(db: Database, query: string, limit = 8): Promise<FoundArea[]> {
  const digits = fromKhmerDigits(query).trim();
  if (/^\d{2}$|^\d{4}$|^\d{6}$/.test(digits)) {
    return db.select(columns).from(areas).where(eq(areas.code, digits));
  }
  if (normaliseForSearch(query).length < 2) return [];
  return searchGazetteer(db, query, { levels: targetLevels, limit });
}

export async function areasByCode(db: Database, codes: string[]): Promise<FoundArea[]> {
  if (codes.length === 0) return [];
  return db.select(columns).from(areas).where(inArray(areas.code, codes)).orderBy(asc(areas.code));
}

/** "ឃុំតាផូ" / "Ta Phou (Khum)", plus the code for staff. */
export function areaLabel(area: FoundArea, lang: Language): string {
  const name = lang === "km" ? `${area.unitKm ?? ""}${area.nameKm}` : `${area.nameEn}${area.unitEn ? ` (${area.unitEn})` : ""}`;
  return `${name} · ${area.code}`;
}
