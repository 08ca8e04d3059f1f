import ExcelJS from "exceljs";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inArray } from "drizzle-orm";
import { commitments, commitmentVerifications, forumCheckins, forums, users } from "../../../src/db/schema/index.js";
import { createCommitment, moveCommitment } from "../../../src/features/commitments/commitments.js";
import { countPerson } from "../../../src/features/forums/checkin.js";
import { createForum, recordAttendance, recordRsvp } from "../../../src/features/forums/forums.js";
import { parsePeriod, periodFor } from "../../../src/features/exports/periods.js";
import { csvCell } from "../../../src/features/exports/writers.js";
import { communes, districts } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { eventually, useHarness, type Person } from "../../support/harness.js";
import { returningCitizen } from "../../support/onboarding.js";
import { fileThroughBot } from "../complaints/support.js";
import { pp, seedRating, seedUser } from "../digest/support.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });

let dara: Person; // staff, English
let sreymom: Person; // staff, Khmer
let chanthou: Person; // anonymous complainant
const raterTelegramIds: number[] = [];
const everyExport: string[] = [];

beforeAll(async () => {
  dara = await returningCitizen(h, env.db, { lang: "en", role: "staff", first_name: "Dara" });
  sreymom = await returningCitizen(h, env.db, { lang: "km", role: "staff", first_name: "Sreymom" });
  // Q3 2026 in Svay Chek district: 6 health-centre ratings in Ta Phou (4 women), 3 in Treas (too few to show).
  const scores = [5, 4, 4, 2, 5, 3];
  for (let i = 0; i < 6; i++) {
    await seedRating(env.db, {
      service: "health_centre",
      commune: communes.taPhou,
      at: pp(`2026-08-1${i} 09:00`),
      by: await seedUser(env.db),
      scores: { attitude: scores[i]!, medicines: i < 3 ? 4 : 1 },
      sex: i < 4 ? "female" : "male",
      informal: i < 5 ? (i < 2 ? "yes" : "no") : null,
    });
  }
  for (let i = 0; i < 3; i++) await seedRating(env.db, { service: "health_centre", commune: communes.treas, at: pp("2026-09-01 10:00"), by: await seedUser(env.db), scores: { attitude: 5 } });
  // Outside the export: superseded, before the quarter, another district.
  await seedRating(env.db, { service: "health_centre", commune: communes.taPhou, at: pp("2026-08-20 09:00"), by: await seedUser(env.db), scores: { attitude: 1 }, superseded: true });
  await seedRating(env.db, { service: "health_centre", commune: communes.taPhou, at: pp("2026-06-30 23:59"), by: await seedUser(env.db), scores: { attitude: 1 } });
  await seedRating(env.db, { service: "health_centre", commune: communes.ponleyBmc, at: pp("2026-08-10 09:00"), by: await seedUser(env.db), scores: { attitude: 1 } });
  for (const row of await env.db.select({ telegramId: users.telegramId }).from(users).where(eq(users.firstName, "Rater"))) raterTelegramIds.push(row.telegramId!);

  chanthou = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou, first_name: "Chanthou", username: "chanthou_secret" });
  await fileThroughBot(env, chanthou, "en", { category: "extra_fees", service: "health_centre", text: "=HYPERLINK(\"x\") The midwife asked for 50,000 riel.", anonymous: true, location: { latitude: 13.751234, longitude: 103.352345 } });
  const sokha = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.treas, first_name: "Sokha", username: "sokha_kh" });
  await fileThroughBot(env, sokha, "en", { category: "infrastructure", text: "The school well has been dry for a month." });
});

/** Runs /export through the bot and returns the file that arrives. */
async function exportThroughBot(staff: Person, steps: { kind: RegExp; area: string; pick?: RegExp; period: string; format: "CSV" | "Excel (XLSX)" }) {
  const before = staff.messages().filter((m) => m.kind === "document").length;
  await staff.send("/export");
  await staff.press(steps.kind);
  await staff.send(steps.area);
  if (steps.pick) await staff.press(steps.pick);
  if (/^[\d០-៩]{4}-/.test(steps.period)) await staff.send(steps.period);
  else await staff.press(steps.period);
  await staff.press(steps.format);
  const document = await eventually(() => {
    const docs = staff.messages().filter((m) => m.kind === "document");
    expect(docs.length).toBe(before + 1);
    return docs.at(-1)!;
  }, 15_000);
  const raw = document.raw as { document: { file_id: string; file_name: string }; caption?: string };
  const bytes = await h.fake.uploadedFile(raw.document.file_id);
  everyExport.push(bytes.toString("utf8"));
  return { name: raw.document.file_name, caption: raw.caption ?? "", bytes };
}

function parseCsv(bytes: Buffer): string[][] {
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += ch;
  }
  return rows;
}

describe("/export", () => {
  it("is refused to citizens, plainly", async () => {
    await chanthou.send("/export");
    expect(chanthou.last().text).toContain("Exports are for NGO staff");
    expect(chanthou.last().buttons).toEqual([]);
  });

  it("ratings as CSV: BOM, English headers, one row per score, only the area's current ratings in the period", async () => {
    const file = await exportThroughBot(dara, { kind: /^Ratings/, area: "Svay Chek", pick: /^Srok Svay Chek/, period: "2026-07-01 2026-09-30", format: "CSV" });
    expect(file.name).toBe(`mati-ratings-${districts.svayChek}-2026-Q3.csv`);
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(file.bytes);
    expect(header).toEqual([
      "Rating no.", "Date", "Province", "District", "Commune code", "Commune", "Service", "Facility", "Source", "Criterion", "Score (1–5)",
      "Asked to pay extra", "Sex", "Age group", "Disability", "Ethnic minority / indigenous", "ID-Poor card",
    ]);
    expect(rows).toHaveLength(6 * 2 + 3);
    const first = rows[0]!;
    expect(first[9]).toBe("attitude");
    expect(first[1]).toBe("2026-08-10 09:00"); // Phnom Penh time
    expect(first.slice(2, 7)).toEqual(["Banteay Meanchey", "Srok Svay Chek", communes.taPhou, "Khum Ta Phou", "Health centre"]);
    expect(new Set(rows.map((r) => r[4]))).toEqual(new Set([communes.taPhou, communes.treas]));
    expect(rows.filter((r) => r[12] === "female")).toHaveLength(8);
    expect(file.caption).toContain("15 rows");
  });

  it("the CRR summary as XLSX in Khmer: suppressed under 5 ratings, gender figures", async () => {
    const file = await exportThroughBot(sreymom, { kind: /^សេចក្ដីសង្ខេប/, area: districts.svayChek, period: "២០២៦-០៧-០១ ២០២៦-០៩-៣០", format: "Excel (XLSX)" });
    expect(file.name).toBe(`mati-summary-${districts.svayChek}-2026-Q3.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    const [header, ...data] = rows;
    expect(header).toContain("% ពេញចិត្ត (៤–៥)");
    expect(header).toContain("ស្ត្រី");
    const col = (name: string) => (header as string[]).indexOf(name);
    expect(data).toHaveLength(2);
    const taPhou = data.find((r) => r[col("លេខកូដឃុំ/សង្កាត់")] === communes.taPhou)!;
    expect(taPhou[col("ចំនួនការវាយតម្លៃ")]).toBe(6);
    expect(taPhou[col("ស្ត្រី")]).toBe(4);
    expect(taPhou[col("បុរស")]).toBe(2);
    // 12 scores: 5,4,4,2,5,3 and 4,4,4,1,1,1 → 7 of 12 at 4–5 = 58%; mean 38/12 = 3.2; median 4.
    expect(taPhou[col("% ពេញចិត្ត (៤–៥)")]).toBe(58);
    expect(taPhou[col("មធ្យមភាគ (១–៥)")]).toBe(3.2);
    expect(taPhou[col("មេដ្យាន (១–៥)")]).toBe(4);
    // Women: 4 ratings, fewer than 5: their percentage is withheld; extra payments: 2 yes of 5 answered.
    expect(taPhou[col("% ពេញចិត្ត ស្ត្រី")] ?? null).toBeNull();
    expect(taPhou[col("ត្រូវបានទារប្រាក់បន្ថែម៖ បាទ/ចាស")]).toBe(2);
    const treas = data.find((r) => r[col("លេខកូដឃុំ/សង្កាត់")] === communes.treas)!;
    expect(treas[col("ចំនួនការវាយតម្លៃ")]).toBe("តិចជាង ៥");
    for (const name of ["ស្ត្រី", "មេដ្យាន (១–៥)", "មធ្យមភាគ (១–៥)", "% ពេញចិត្ត (៤–៥)"]) expect(treas[col(name)] ?? null).toBeNull();
    expect(String(treas[col("កំណត់សម្គាល់")])).toContain("មិនបង្ហាញ");
  });

  it("complaints as CSV: first names for named complaints only, nothing that identifies the anonymous complainant", async () => {
    const year = new Date().getFullYear();
    // The province by its code.
    const file = await exportThroughBot(dara, { kind: /^Complaints/, area: "01", period: `${year - 1}-01-01 ${year + 1}-12-31`, format: "CSV" });
    expect(file.name).toBe(`mati-complaints-01-${year - 1}0101-${year + 1}1231.csv`);
    const [header, ...rows] = parseCsv(file.bytes);
    const col = (name: string) => header!.indexOf(name);
    expect(rows).toHaveLength(2);
    const anonymous = rows.find((r) => r[col("Anonymous")] === "yes")!;
    expect(anonymous[col("First name (named complaints only)")]).toBe("");
    expect(anonymous[col("Location pin given")]).toBe("yes");
    // Text that a spreadsheet would run as a formula is kept as text.
    expect(anonymous[col("Text")]).toBe("'=HYPERLINK(\"x\") The midwife asked for 50,000 riel.");
    const named = rows.find((r) => r[col("Anonymous")] === "no")!;
    expect(named[col("First name (named complaints only)")]).toBe("Sokha");
    expect(named[col("Commune")]).toBe("Khum Treas");
  });

  it("forums as CSV: RSVP counts beside attendance and women, for forums that concern the area in the period", async () => {
    const inside = await createForum(env.db, { type: "dc_forum", titleEn: "Svay Chek D&C forum", startsAt: pp("2026-08-05 08:00"), venue: "District hall", areaCodes: [districts.svayChek] });
    const commune = await createForum(env.db, { type: "commune_forum", titleEn: "Ta Phou forum", startsAt: pp("2026-09-12 14:00"), venue: "Pagoda", areaCodes: [communes.taPhou] });
    const elsewhere = await createForum(env.db, { type: "commune_forum", titleEn: "Takeo forum", startsAt: pp("2026-08-06 08:00"), venue: "School", areaCodes: [communes.ponleyTakeo] });
    await createForum(env.db, { type: "other", titleEn: "Never published", startsAt: pp("2026-08-07 08:00"), venue: "-", areaCodes: [districts.svayChek] });
    await env.db.update(forums).set({ status: "published" }).where(inArray(forums.id, [inside.id, commune.id, elsewhere.id]));
    const people = [await seedUser(env.db), await seedUser(env.db), await seedUser(env.db)];
    // Answered in July, before the forum (RSVPs close at its start).
    const july = pp("2026-07-20 09:00");
    await recordRsvp(env.db, inside.id, people[0]!, "yes", july);
    await recordRsvp(env.db, inside.id, people[1]!, "yes", july);
    await recordRsvp(env.db, inside.id, people[2]!, "maybe", july);
    await recordAttendance(env.db, inside.id, { total: 70, women: 17 });
    // Present: two checked in by the link (a young woman with a disability, a man), three counted by volunteers.
    await env.db.update(users).set({ sex: "female", ageGroup: "15_30", hasDisability: true }).where(eq(users.id, people[0]!));
    await env.db.update(users).set({ sex: "male" }).where(eq(users.id, people[1]!));
    await env.db.insert(forumCheckins).values([people[0]!, people[1]!].map((userId) => ({ forumId: inside.id, source: "telegram" as const, userId })));
    await countPerson(env.db, inside.id, people[2]!, { sex: "female", youth: true, disability: false });
    await countPerson(env.db, inside.id, people[2]!, { sex: "female", youth: false, disability: false });
    await countPerson(env.db, inside.id, people[2]!, { sex: null, youth: false, disability: true });

    const file = await exportThroughBot(dara, { kind: /^Forums/, area: "Svay Chek", pick: /^Srok Svay Chek/, period: "2026-07-01 2026-09-30", format: "CSV" });
    const [header, ...rows] = parseCsv(file.bytes);
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => r[col("Title")])).toEqual(["Svay Chek D&C forum", "Ta Phou forum"]);
    expect(rows[0]![col("Date")]).toBe("2026-08-05 08:00");
    expect([rows[0]![col("Going")], rows[0]![col("Maybe")], rows[0]![col("Can't go")]]).toEqual(["2", "1", "0"]);
    expect([rows[0]![col("Participants")], rows[0]![col("Women participants")]]).toEqual(["70", "17"]);
    expect(rows[1]![col("Participants")]).toBe("");
    const present = (prefix: string) => ["", ": women", ": men", ": youth", ": with a disability"].map((g) => rows[0]![col(g ? `${prefix}${g}` : prefix === "Checked in" ? "Checked in (Telegram)" : "Counted by volunteers")]);
    expect(present("Checked in")).toEqual(["2", "1", "1", "1", "1"]);
    expect(present("Counted")).toEqual(["3", "2", "0", "1", "1"]);
    expect(rows[1]![col("Checked in (Telegram)")]).toBe("0");
  });

  it("commitments as CSV: who, what, by when, the council's claim and the citizens' answers (withheld under 5)", async () => {
    const staffRow = (await env.db.select().from(users).where(eq(users.telegramId, dara.id)))[0]!;
    const actor = { kind: "staff" as const, userId: staffRow.id, name: "Dara" };
    const done = await createCommitment(env.db, { councilAreaCode: communes.taPhou, areaCode: communes.taPhou, serviceKey: "health_centre", responsible: "health_centre", text: "Post the price list", dueOn: "2026-09-30", actor });
    const few = await createCommitment(env.db, { councilAreaCode: districts.svayChek, areaCode: districts.svayChek, serviceKey: "owso", responsible: "Chief of the OWSO", text: "Open the OWSO on Saturdays", dueOn: "2026-12-31", actor });
    const away = await createCommitment(env.db, { councilAreaCode: communes.ponleyTakeo, areaCode: communes.ponleyTakeo, responsible: "council", text: "Elsewhere", dueOn: "2026-12-31", actor });
    for (const c of [done, few, away]) await env.db.update(commitments).set({ createdAt: pp("2026-08-06 10:00") }).where(eq(commitments.id, c.id));
    await moveCommitment(env.db, { commitmentId: done.id, to: "done", actor: { kind: "council", telegramId: 1, name: "Sophal" } });
    await moveCommitment(env.db, { commitmentId: few.id, to: "done", actor: { kind: "council", telegramId: 2, name: "Vibol" } });
    const answers = ["yes", "yes", "partly", "no", "yes"] as const;
    for (const answer of answers) await env.db.insert(commitmentVerifications).values({ commitmentId: done.id, userId: await seedUser(env.db), answer });
    for (const answer of ["yes", "no"] as const) await env.db.insert(commitmentVerifications).values({ commitmentId: few.id, userId: await seedUser(env.db), answer });

    const file = await exportThroughBot(dara, { kind: /^Commitments/, area: "0108", period: "2026-07-01 2026-09-30", format: "CSV" });
    const [header, ...rows] = parseCsv(file.bytes);
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => r[col("Reference")])).toEqual([done.reference, few.reference]);
    expect(rows[0]![col("Who does it")]).toBe("The health centre");
    expect(rows[1]![col("Who does it")]).toBe("Chief of the OWSO");
    expect(rows[0]![col("Area")]).toBe("Khum Ta Phou");
    expect(rows[0]![col("Due")]).toBe("2026-09-30");
    expect(rows[0]![col("Status")]).toBe("Done");
    expect([rows[0]![col("Citizens answered")], rows[0]![col("Citizens: yes")], rows[0]![col("Citizens: partly")], rows[0]![col("Citizens: no")]]).toEqual(["5", "3", "1", "1"]);
    expect([rows[1]![col("Citizens answered")], rows[1]![col("Citizens: yes")], rows[1]![col("Citizens: no")]]).toEqual(["fewer than 5", "", ""]);
    expect(file.name).toBe("mati-commitments-0108-2026-Q3.csv");
  });

  it("no export holds a rater's or the anonymous complainant's identity", () => {
    expect(everyExport.length).toBeGreaterThanOrEqual(3);
    const all = everyExport.join("\n");
    for (const secret of [String(chanthou.id), "Chanthou", "chanthou_secret", "13.75", "103.35", "sokha_kh", ...raterTelegramIds.map(String)]) {
      expect(all, secret).not.toContain(secret);
    }
    expect(all).not.toContain("Sophea"); // rating comments are free text: never exported
  });

  it("asks again for an unknown place and for bad dates; a forged button is answered", async () => {
    await dara.send("/export");
    await dara.press(/^Ratings/);
    await dara.send("Atlantis");
    expect(dara.last().text).toContain("No province, district or commune matches «Atlantis»");
    await dara.pressData("ex:k:forged", dara.last());
    await dara.send("0108");
    expect(dara.last().text).toContain("Area: Srok Svay Chek, Banteay Meanchey");
    await dara.send("2026-09-30 2026-07-01");
    expect(dara.last().text).toContain("Please type two dates");
    await dara.send("/cancel");
    expect(dara.last().text).toContain("Cancelled");
  });
});

describe("periods and cells", () => {
  it("computes weeks, months and quarters in Phnom Penh time and names them", () => {
    const now = pp("2026-08-12 10:00"); // a Wednesday
    const tz = "Asia/Phnom_Penh";
    expect(periodFor("this_week", now, tz)).toMatchObject({ firstDay: "2026-08-10", lastDay: "2026-08-16", label: "2026-W33", start: pp("2026-08-10 00:00") });
    expect(periodFor("last_week", now, tz)).toMatchObject({ firstDay: "2026-08-03", lastDay: "2026-08-09", label: "2026-W32" });
    expect(periodFor("last_month", now, tz)).toMatchObject({ firstDay: "2026-07-01", lastDay: "2026-07-31", label: "2026-07", end: pp("2026-08-01 00:00") });
    expect(periodFor("this_quarter", now, tz)).toMatchObject({ label: "2026-Q3", firstDay: "2026-07-01", lastDay: "2026-09-30" });
    expect(periodFor("last_quarter", pp("2026-02-01 00:30"), tz)).toMatchObject({ label: "2025-Q4", firstDay: "2025-10-01", lastDay: "2025-12-31" });
    expect(parsePeriod("2026-07-01 2026-07-31", tz)?.label).toBe("2026-07");
    expect(parsePeriod("2026-07-05 2026-07-09", tz)).toMatchObject({ label: "20260705-20260709", end: pp("2026-07-10 00:00") });
    expect(parsePeriod("2026-02-30 2026-03-01", tz)).toBeUndefined();
    expect(parsePeriod("last week", tz)).toBeUndefined();
  });

  it("quotes CSV cells and defuses formulas", () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
  });
});
