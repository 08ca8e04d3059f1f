import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { areas } from "../../../src/db/schema/index.js";
import { GazetteerImportError, importGazetteer, parseGazetteer } from "../../../src/features/areas/import.js";
import { fixturePath } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";

const env = useTestEnvironment();
const header = "code,level,parent_code,name_km,name_en";
const csv = (...lines: string[]) => Buffer.from([header, ...lines].join("\n") + "\n");

function problemsOf(bytes: Uint8Array): string[] {
  const result = parseGazetteer(bytes);
  if (result.ok) throw new Error("expected problems");
  return result.problems.map((p) => `${p.line}: ${p.message}`);
}

describe("gazetteer import", () => {
  it("imports a good file with unit words, then re-imports it idempotently", async () => {
    const first = await importGazetteer(env.db, readFileSync(fixturePath));
    expect(first).toMatchObject({ inserted: 80, updated: 0, byLevel: { province: 4, district: 8, commune: 68 } });
    const again = await importGazetteer(env.db, readFileSync(fixturePath));
    expect(again).toMatchObject({ inserted: 0, updated: 80 });
    const [row] = await env.db.select().from(areas).where(eq(areas.code, "081202"));
    expect(row).toMatchObject({ level: "commune", parentCode: "0812", nameKm: "ព្រែកជ្រៃ", nameEn: "Preaek Chrey", unitKm: "សង្កាត់", unitEn: "Sangkat" });
    const [total] = await env.db.select({ count: sql<number>`count(*)::int` }).from(areas);
    expect(total?.count).toBe(80);
  });

  it("adds villages under communes already imported, and updates a renamed commune", async () => {
    await importGazetteer(env.db, readFileSync(fixturePath));
    const summary = await importGazetteer(env.db, csv("01080601,village,010806,តាផូ,Ta Phou", "010806,commune,0108,តាផូ,Ta Phou (renamed)"));
    expect(summary).toMatchObject({ inserted: 1, updated: 1 });
    const [commune] = await env.db.select().from(areas).where(eq(areas.code, "010806"));
    expect(commune?.nameEn).toBe("Ta Phou (renamed)");
    expect(commune?.unitKm).toBe("ឃុំ"); // a file without unit columns keeps them
  });

  it("reports each bad line by number and imports nothing", async () => {
    const before = await env.db.select({ count: sql<number>`count(*)::int` }).from(areas);
    const bad = csv(
      "31,province,,ខេត្តថ្មី,New Province",
      "3101,county,31,ស្រុក,Somewhere", // unknown level
      "311,district,31,ស្រុក,Short code", // wrong length
      "3102,district,31,ស្រុកមួយ,One",
      "3102,district,31,ស្រុកពីរ,Two", // duplicate
      "310201,commune,3109,ឃុំ,Wrong parent", // parent not the code's prefix
      "320101,commune,3201,ឃុំ,Orphan", // parent missing
      "3103,district,31,,No Khmer name",
    );
    expect(problemsOf(bad)).toEqual([
      '3: unknown level "county" (use province, district, commune, village)',
      '4: a district code has 4 digits, found "311"',
      "6: code 3102 already appears on line 5",
      '7: the parent_code of 310201 must be 3102, found "3109"',
      "8: parent 3201 of 320101 is neither in the file nor already imported",
      "9: name_km is empty",
    ]);
    await expect(importGazetteer(env.db, bad)).rejects.toBeInstanceOf(GazetteerImportError);
    expect(await env.db.select({ count: sql<number>`count(*)::int` }).from(areas)).toEqual(before);
  });

  it("refuses a wrong header, a file that is not UTF-8, and an empty file", () => {
    expect(problemsOf(Buffer.from("code;level;parent;km;en\n01;province;;a;b\n"))[0]).toMatch(/^1: the header must be/);
    expect(problemsOf(Buffer.from([0x63, 0x6f, 0x64, 0x65, 0x2c, 0xff, 0xfe, 0x0a]))).toEqual(['0: the file is not UTF-8 text (save it as "CSV UTF-8")']);
    expect(problemsOf(Buffer.from(header + "\n"))).toEqual(["0: the file has a header but no rows"]);
  });

  it("accepts a byte-order mark, quoted names with commas, CRLF line ends and a village without a Latin name", () => {
    const bytes = Buffer.from("\uFEFF" + [header, '01,province,,បន្ទាយមានជ័យ,"Banteay Meanchey, BMC"', "0102,district,01,មង្គលបូរី,Mongkol Borey", "010201,commune,0102,បន្ទាយនាង,Banteay Neang", "01020101,village,010201,ប៉ៃឡាំ,"].join("\r\n"));
    const result = parseGazetteer(bytes);
    expect(result.ok && result.rows.map((r) => r.nameEn)).toEqual(["Banteay Meanchey, BMC", "Mongkol Borey", "Banteay Neang", ""]);
  });

  it("runs from the command line: success, then a bad file with exit code 1 and nothing imported", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mati-areas-"));
    const good = join(dir, "good.csv");
    await writeFile(good, csv("26,province,,ខេត្តសាកល្បង,Test Province", "2601,district,26,ស្រុកសាកល្បង,Test District"));
    const run = promisify(execFile);
    const cliEnv = { ...process.env, DATABASE_URL: env.databaseUrl };
    const ok = await run("npx", ["tsx", "src/cli/areas-import.ts", good], { env: cliEnv });
    expect(ok.stdout).toContain("Imported");
    expect(ok.stdout).toContain("1 provinces, 1 districts (2 new, 0 updated)");

    const bad = join(dir, "bad.csv");
    await writeFile(bad, csv("2602,district,27,ស្រុក,Wrong"));
    const failed = await run("npx", ["tsx", "src/cli/areas-import.ts", bad], { env: cliEnv }).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("line 2: the parent_code of 2602 must be 26");
    expect(await env.db.select().from(areas).where(eq(areas.code, "2602"))).toEqual([]);
  });
});
