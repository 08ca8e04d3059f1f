/**
 * Gazetteer import: a CSV `code,level,parent_code,name_km,name_en` (optionally
 * followed by `unit_km,unit_en`) into `areas`. All or nothing: every line is
 * checked first and any problem imports nothing and is reported with its line
 * number; a good file is upserted in one transaction, so importing the same
 * (or a newer) file again is safe.
 */
import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { areaLevels, areas, type Area, type AreaLevel } from "../../db/schema/index.js";
import { forgetAreas } from "./areas.js";
import { areaSearchText } from "./normalise.js";

const REQUIRED_HEADER = ["code", "level", "parent_code", "name_km", "name_en"];
const UNIT_COLUMNS = ["unit_km", "unit_en"];
const codeLength: Record<AreaLevel, number> = { province: 2, district: 4, commune: 6, village: 8 };
const parentLevel: Record<AreaLevel, AreaLevel | undefined> = { province: undefined, district: "province", commune: "district", village: "commune" };

/** One line of a gazetteer file, checked. */
export type AreaRow = Area;

export interface ImportProblem {
  /** 1-based line number in the file (the header is line 1); 0 for the file as a whole. */
  line: number;
  message: string;
}

export type ParseResult = { ok: true; rows: AreaRow[] } | { ok: false; problems: ImportProblem[] };

/** Checks a whole file without touching the database (parents may also be found in `knownCodes`). */
export function parseGazetteer(bytes: Uint8Array, knownCodes: ReadonlyMap<string, AreaLevel> = new Map()): ParseResult {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problems: [{ line: 0, message: "the file is not UTF-8 text (save it as \"CSV UTF-8\")" }] };
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (err) {
    return { ok: false, problems: [{ line: (err as { lines?: number }).lines ?? 0, message: `not valid CSV: ${(err as Error).message}` }] };
  }
  const [headerRecord, ...body] = records;
  const header = headerRecord?.record.map((h) => h.trim()) ?? [];
  const withUnits = header.length === REQUIRED_HEADER.length + UNIT_COLUMNS.length;
  const expected = withUnits ? [...REQUIRED_HEADER, ...UNIT_COLUMNS] : REQUIRED_HEADER;
  if (header.join(",") !== expected.join(",")) {
    return {
      ok: false,
      problems: [{ line: 1, message: `the header must be "${REQUIRED_HEADER.join(",")}" (optionally followed by ",${UNIT_COLUMNS.join(",")}"), found "${header.join(",")}"` }],
    };
  }

  const problems: ImportProblem[] = [];
  const rows: AreaRow[] = [];
  const seen = new Map<string, { line: number; level: AreaLevel }>();
  const pendingParents: { line: number; row: AreaRow }[] = [];
  for (const { record, info } of body) {
    const line = info.lines;
    if (record.length !== expected.length) {
      problems.push({ line, message: `expected ${expected.length} columns, found ${record.length}` });
      continue;
    }
    const [code = "", level = "", parent = "", nameKm = "", nameEn = "", unitKm = "", unitEn = ""] = record.map((v) => v.trim());
    const lineProblems: string[] = [];
    if (!(areaLevels as readonly string[]).includes(level)) {
      lineProblems.push(`unknown level "${level}" (use ${areaLevels.join(", ")})`);
    } else if (!new RegExp(`^\\d{${codeLength[level as AreaLevel]}}$`).test(code)) {
      lineProblems.push(`a ${level} code has ${codeLength[level as AreaLevel]} digits, found "${code}"`);
    }
    if (!nameKm) lineProblems.push("name_km is empty");
    if (!nameEn && level !== "village") lineProblems.push("name_en is empty");
    const duplicate = seen.get(code);
    if (duplicate) lineProblems.push(`code ${code} already appears on line ${duplicate.line}`);
    if (lineProblems.length > 0) {
      problems.push(...lineProblems.map((message) => ({ line, message })));
      continue;
    }
    const typedLevel = level as AreaLevel;
    seen.set(code, { line, level: typedLevel });
    const row: AreaRow = { code, level: typedLevel, parentCode: parent || null, nameKm, nameEn, unitKm: unitKm || null, unitEn: unitEn || null };
    const wantedParentLevel = parentLevel[typedLevel];
    if (!wantedParentLevel) {
      if (parent) problems.push({ line, message: `a province has no parent_code, found "${parent}"` });
    } else if (parent !== code.slice(0, -2)) {
      problems.push({ line, message: `the parent_code of ${code} must be ${code.slice(0, -2)}, found "${parent}"` });
    } else {
      pendingParents.push({ line, row });
    }
    rows.push(row);
  }
  // Parents may come later in the file or already be in the database.
  for (const { line, row } of pendingParents) {
    const parentLevelFound = seen.get(row.parentCode!)?.level ?? knownCodes.get(row.parentCode!);
    if (parentLevelFound === undefined) problems.push({ line, message: `parent ${row.parentCode} of ${row.code} is neither in the file nor already imported` });
    else if (parentLevelFound !== parentLevel[row.level]) {
      problems.push({ line, message: `parent ${row.parentCode} of ${row.code} is a ${parentLevelFound}, not a ${parentLevel[row.level]}` });
    }
  }
  if (body.length === 0) problems.push({ line: 0, message: "the file has a header but no rows" });
  problems.sort((a, b) => a.line - b.line);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
}

export interface ImportSummary {
  inserted: number;
  updated: number;
  byLevel: Partial<Record<AreaLevel, number>>;
}

export class GazetteerImportError extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super(`nothing was imported: ${problems.length} problem(s)\n` + problems.map((p) => `  ${p.line ? `line ${p.line}` : "file"}: ${p.message}`).join("\n"));
  }
}

/** Validates then upserts a whole gazetteer file in one transaction. */
export async function importGazetteer(db: Database, bytes: Uint8Array): Promise<ImportSummary> {
  const known = new Map((await db.select({ code: areas.code, level: areas.level }).from(areas)).map((a) => [a.code, a.level]));
  const parsed = parseGazetteer(bytes, known);
  if (!parsed.ok) throw new GazetteerImportError(parsed.problems);
  // Parents before children, so the foreign key holds at every insert.
  const rows = [...parsed.rows].sort((a, b) => a.code.length - b.code.length || a.code.localeCompare(b.code));
  const summary: ImportSummary = { inserted: 0, updated: 0, byLevel: {} };
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000).map((r) => ({ ...r, searchText: areaSearchText(r.nameKm, r.nameEn) }));
      const result = await tx
        .insert(areas)
        .values(chunk)
        .onConflictDoUpdate({
          target: areas.code,
          set: {
            level: sql`excluded.level`,
            parentCode: sql`excluded.parent_code`,
            nameKm: sql`excluded.name_km`,
            nameEn: sql`excluded.name_en`,
            // A file without unit columns keeps the units already imported.
            unitKm: sql`coalesce(excluded.unit_km, ${areas.unitKm})`,
            unitEn: sql`coalesce(excluded.unit_en, ${areas.unitEn})`,
            searchText: sql`excluded.search_text`,
          },
        })
        // xmax = 0 only for rows this statement inserted (not updated).
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      for (const r of result) r.inserted ? summary.inserted++ : summary.updated++;
    }
  });
  for (const r of rows) summary.byLevel[r.level] = (summary.byLevel[r.level] ?? 0) + 1;
  forgetAreas(db);
  return summary;
}

/**
 * The unit-type file that accompanies NCDD/pumi data
 * (`code,level,unit_km,unit_latin,unit_en`): adds ស្រុក/ក្រុង/ខណ្ឌ, ឃុំ/សង្កាត់ …
 * to areas already imported. Codes not imported are reported, nothing written.
 */
export async function importUnits(db: Database, bytes: Uint8Array): Promise<number> {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const records: string[][] = parse(text, { bom: true, skip_empty_lines: true });
  const [header, ...body] = records;
  if (header?.join(",") !== "code,level,unit_km,unit_latin,unit_en") {
    throw new GazetteerImportError([{ line: 1, message: `the units header must be "code,level,unit_km,unit_latin,unit_en", found "${header?.join(",")}"` }]);
  }
  const known = new Set((await db.select({ code: areas.code }).from(areas)).map((a) => a.code));
  const problems = body.flatMap((r, i) => (known.has(r[0] ?? "") ? [] : [{ line: i + 2, message: `area ${r[0]} is not imported yet` }]));
  if (problems.length) throw new GazetteerImportError(problems);
  await db.transaction(async (tx) => {
    for (let i = 0; i < body.length; i += 1000) {
      const values = body.slice(i, i + 1000).map((r) => sql`(${r[0]}, ${r[2]}, ${r[3]})`);
      await tx.execute(sql`
        UPDATE areas SET unit_km = v.unit_km, unit_en = v.unit_latin
        FROM (VALUES ${sql.join(values, sql`, `)}) AS v(code, unit_km, unit_latin)
        WHERE areas.code = v.code`);
    }
  });
  forgetAreas(db);
  return body.length;
}
