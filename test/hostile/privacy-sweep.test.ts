/**
 * One sweep over everything that leaves Mati for someone other than the
 * person themselves: every message, photo caption and button sent to council
 * groups (complaints with their questions, answers, reopenings and
 * forwarding; /stats; weekly digests; forum announcements; broadcasts to
 * council groups), every export kind in both formats, every open-data and
 * monitoring HTTP response, and the log. Anonymous complainants and raters
 * have distinctive Telegram ids, usernames, first and last names: none of
 * them may appear anywhere. A named complainant's first name does reach the
 * council (by design): that control shows the sweep reads what it should.
 */
import ExcelJS from "exceljs";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { complaints, users } from "../../src/db/schema/index.js";
import { startBroadcast } from "../../src/features/broadcast/engine.js";
import { writeExport } from "../../src/features/exports/export.js";
import { parsePeriod } from "../../src/features/exports/periods.js";
import { exportKinds } from "../../src/features/exports/tables.js";
import { createForum, publishForum } from "../../src/features/forums/forums.js";
import { createLogger } from "../../src/log.js";
import { communes, districts, seedSmallGazetteer } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { createHarness, eventually, type Harness, type Person, type TestGroup } from "../support/harness.js";
import { returningCitizen } from "../support/onboarding.js";
import { councilMessageIn, delivered, fileThroughBot, linkCouncil, promptIn, QUEUED_MS, staff } from "../features/complaints/support.js";
import { seedRating } from "../features/digest/support.js";

const env = useTestEnvironment();
const logLines: string[] = [];
let h: Harness;
let taPhou: TestGroup;
let svayChek: TestGroup;
let sophal: Person;
let vibol: Person;
let dara: Person;
const exportsText: string[] = [];
const responses: string[] = [];
const references: string[] = [];

interface Secret {
  who: string;
  id: number;
  username: string;
  firstName: string;
  lastName: string;
}
const secrets: Secret[] = [];
let nextId = 880_000_101;
function secretPerson(who: string, first: string, last: string): Secret {
  const s = { who, id: nextId++, username: `${first.toLowerCase()}_secret`, firstName: first, lastName: last };
  secrets.push(s);
  return s;
}

async function person(s: Secret, lang: "km" | "en"): Promise<Person> {
  const p = await returningCitizen(h, env.db, { id: s.id, lang, communeCode: communes.taPhou, first_name: s.firstName, username: s.username });
  (p.user as { last_name?: string }).last_name = s.lastName;
  return p;
}

/** /rate through the bot: the health centre, the facility skipped, every question answered, sent. */
async function rateThroughBot(p: Person): Promise<void> {
  await p.send("/rate");
  await p.pressData(p.last().buttons.flat().find((b) => b.data?.endsWith(":health_centre"))!.data!, p.last());
  for (let i = 0; i < 20; i++) {
    const data = p.last().buttons.flat().flatMap((b) => (b.data ? [b.data] : []));
    const pick = data.find((d) => d.endsWith(":send")) ?? data.find((d) => d.endsWith(":4")) ?? data.find((d) => d.endsWith(":no")) ?? data.find((d) => d.endsWith(":skip"));
    if (!pick) break;
    await p.pressData(pick, p.last());
    if (pick.endsWith(":send")) break;
  }
  expect(p.last().buttons.flat().map((b) => b.data)).toContain("menu:rate");
}

async function get(path: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${h.app.address!.port}${path}`);
  const body = await response.text();
  expect(response.status, `${path}: ${body.slice(0, 200)}`).toBeLessThan(400);
  return `${path}\n${[...response.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${body}`;
}

async function xlsxText(bytes: Buffer): Promise<string> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const cells: string[] = [];
  book.eachSheet((sheet) => sheet.eachRow((row) => cells.push(JSON.stringify(row.values))));
  return cells.join("\n");
}

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  const log = createLogger("debug", { write: (line: string) => void logLines.push(line) });
  // The worker role runs the queues and serves HTTP; updates come in through handleUpdate.
  h = await createHarness(env, { ROLE: "worker", OPEN_DATA_RATE_LIMIT_PER_MINUTE: "100000" }, { log });
  await h.app.start();

  dara = await staff(h, env);
  taPhou = h.group("Ta Phou council");
  svayChek = h.group("Svay Chek district council");
  sophal = await linkCouncil(dara, taPhou, communes.taPhou);
  vibol = await linkCouncil(dara, svayChek, districts.svayChek, svayChek.member({ first_name: "Vibol" }, "administrator"));

  // Anonymous complainants: questions, answers, a resolution reopened, a forwarding to the district.
  const anonKm = await person(secretPerson("anonymous complainant", "Rathanakvireak", "Oudomsambath"), "km");
  const anonEn = await person(secretPerson("anonymous complainant", "Bopharithy", "Chanmonyneath"), "en");
  const first = await fileThroughBot(env, anonKm, "km", { category: "staff_absent", service: "commune_office", text: "ការិយាល័យឃុំបិទទ្វារនៅម៉ោងធ្វើការ អស់បីថ្ងៃហើយ។", photos: 2, voice: true, location: { latitude: 13.7512, longitude: 103.3523 }, anonymous: true });
  const second = await fileThroughBot(env, anonEn, "en", { category: "rude_unfair", service: "commune_office", text: "The clerk refused to register my daughter's birth.", anonymous: true, publish: true });
  const named = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou, first_name: "Kunthea", username: "kunthea_named" });
  const third = await fileThroughBot(env, named, "en", { category: "infrastructure", text: "The road to the school is broken after the rains." });
  references.push(first.reference, second.reference, third.reference);
  const m1 = await delivered(taPhou, first.reference, anonKm);
  const m2 = await delivered(taPhou, second.reference, anonEn);
  await delivered(taPhou, third.reference);

  await sophal.pressData(`c:ask:${first.id}`, m1);
  await sophal.reply(promptIn(taPhou, first.reference), "តើនៅថ្ងៃណាខ្លះ?");
  await eventually(() => expect(anonKm.last().buttons.flat().map((b) => b.data)).toContain(`mc:ans:${first.id}`), QUEUED_MS);
  await anonKm.pressData(`mc:ans:${first.id}`, anonKm.last());
  await anonKm.send("ថ្ងៃច័ន្ទ អង្គារ និងពុធ។ ខ្ញុំឈ្មោះ ... (គ្មានឈ្មោះ)");
  await eventually(() => expect(taPhou.last().text).toContain("ចម្លើយពីពលរដ្ឋ"), QUEUED_MS);
  await sophal.pressData(`c:ack:${first.id}`, councilMessageIn(taPhou, first.reference));
  await sophal.pressData(`c:res:${first.id}`, councilMessageIn(taPhou, first.reference));
  await eventually(() => expect(anonKm.last().buttons.flat().map((b) => b.data)).toContain(`mc:re:${first.id}`), QUEUED_MS);
  await anonKm.pressData(`mc:re:${first.id}`, anonKm.last());
  await anonKm.send("វានៅតែបិទដដែល។");
  await eventually(async () => expect((await env.db.select().from(complaints).where(eq(complaints.id, first.id)))[0]!.status).toBe("in_progress"));

  await sophal.pressData(`c:not:${second.id}`, m2);
  await sophal.pressData(`c:fwd:${second.id}`, m2);
  await sophal.reply(promptIn(taPhou, second.reference), "This clerk is district staff");
  const moved = await delivered(svayChek, second.reference);
  await vibol.pressData(`c:ack:${second.id}`, moved);
  await eventually(() => expect(anonEn.messages().some((m) => m.text.includes("acknowledged") || m.text.includes("👀"))).toBe(true), QUEUED_MS);

  // Raters: five through the bot this week, five seeded last week (for the weekly digest).
  for (const [i, name] of ["Sovannarith", "Pisethpanha", "Chanvatey", "Sreyleakhena", "Monyrathana"].entries()) {
    await rateThroughBot(await person(secretPerson("rater", name, `Family${name}`), i % 2 ? "en" : "km"));
  }
  const lastWeek = new Date(Date.now() - 7 * 86_400_000);
  for (const name of ["Vichheka", "Sothearith", "Kanhchana", "Rachanavy", "Bunthoeurn"]) {
    const s = secretPerson("rater", name, `Clan${name}`);
    const [row] = await env.db.insert(users).values({ telegramId: s.id, firstName: s.firstName, username: s.username, language: "km", communeCode: communes.taPhou }).returning({ id: users.id });
    await seedRating(env.db, { service: "commune_office", commune: communes.taPhou, at: lastWeek, by: row!.id, scores: { attitude: 4, on_time: 3 }, sex: "female" });
  }

  // The groups' own figures, and last week's digest sent by staff.
  const member = taPhou.member({ first_name: "Member" });
  await member.send("/stats");
  await svayChek.member({ first_name: "Member2" }).send("/stats");
  for (const code of [communes.taPhou, districts.svayChek]) {
    await dara.send(`/digest ${code}`);
    const button = dara.last().buttons.flat().find((b) => b.data?.startsWith("dg:s:"));
    if (button) await dara.pressData(button.data!, dara.last());
  }
  await eventually(() => expect(taPhou.messages().filter((m) => m.kind === "photo").length).toBeGreaterThanOrEqual(2), 20_000);

  // A forum announced to the commune (its council group hears of it) and a broadcast to the district's council groups.
  const forum = await createForum(env.db, { type: "commune_forum", titleEn: "Ta Phou public forum", titleKm: "វេទិកាសាធារណៈឃុំតាផូ", startsAt: new Date(Date.now() + 10 * 86_400_000), venue: "Commune hall", areaCodes: [communes.taPhou] });
  await publishForum(h.app.deps, forum.id);
  await startBroadcast(h.app.deps, {
    kind: "announcement",
    content: { km: { text: "សូមអញ្ជើញចូលរួមកិច្ចប្រជុំ" }, en: { text: "You are invited to the meeting" } },
    audience: { kind: "council_groups", areaCodes: [districts.svayChek] },
    dedupeKey: "privacy-sweep",
  });
  await eventually(() => expect(svayChek.messages().some((m) => m.text.includes("សូមអញ្ជើញ"))).toBe(true), 20_000);
  await eventually(() => expect(taPhou.messages().some((m) => m.text.includes("វេទិកាសាធារណៈឃុំតាផូ"))).toBe(true), 20_000);

  // Every export kind, both formats, in both languages, for the district and the province.
  const day = (d: Date) => d.toLocaleDateString("en-CA", { timeZone: "Asia/Phnom_Penh" });
  const period = parsePeriod(`${day(new Date(Date.now() - 30 * 86_400_000))} ${day(new Date(Date.now() + 86_400_000))}`, "Asia/Phnom_Penh")!;
  for (const kind of exportKinds) {
    for (const format of ["csv", "xlsx"] as const) {
      for (const [areaCode, lang] of [[districts.svayChek, "en"], ["01", "km"]] as const) {
        const written = await writeExport(env.db, { kind, areaCode, period, format, lang, timeZone: "Asia/Phnom_Penh" });
        const { readFile } = await import("node:fs/promises");
        const bytes = await readFile(written.path);
        exportsText.push(`${kind}.${format} ${areaCode}\n${format === "csv" ? bytes.toString("utf8") : await xlsxText(bytes)}`);
        await written.remove();
      }
    }
  }

  // Every HTTP answer that is not the person's own.
  const from = day(new Date(Date.now() - 30 * 86_400_000));
  const to = day(new Date(Date.now() + 86_400_000));
  for (const path of [
    "/open311/v2/services.json?locale=km",
    "/open311/v2/services.json?locale=en",
    "/open311/v2/requests.json",
    `/open311/v2/requests.json?start_date=${from}&end_date=${to}&page_size=100`,
    "/open311/v2/requests.json?status=open",
    "/open311/v2/requests.json?status=closed",
    ...references.map((r) => `/open311/v2/requests/${r}.json`),
    `/api/v1/ratings/summary?area=${communes.taPhou}`,
    `/api/v1/ratings/summary?area=${communes.taPhou}&from=${from}&to=${to}`,
    `/api/v1/ratings/summary?area=${districts.svayChek}&from=${from}&to=${to}&locale=km`,
    "/metrics",
    "/healthz",
    "/readyz",
  ]) {
    responses.push(await get(path));
  }
}, 180_000);

describe("the privacy sweep", () => {
  it("has read what it should: groups, exports and responses carry the complaints and figures", () => {
    const group = h.fake.everythingSentTo(taPhou.id);
    for (const reference of references) expect(group).toContain(reference);
    // A named complainant's first name is meant to reach the council: the sweep sees names where they are.
    expect(group).toContain("Kunthea");
    expect(h.fake.everythingSentTo(svayChek.id)).toContain(references[1]);
    expect(exportsText.join("\n")).toContain(references[0]);
    expect(exportsText.some((t) => t.startsWith("ratings.csv") && t.split("\n").length > 10)).toBe(true);
    expect(responses.join("\n")).toContain(references[0]);
    expect(responses.join("\n")).toContain("mati_updates_total");
    expect(logLines.length).toBeGreaterThan(50);
    expect(secrets.length).toBe(12);
  });

  it("finds no id, username or name of an anonymous complainant or a rater in groups, exports, HTTP answers or logs", async () => {
    const groupChats = [taPhou.id, svayChek.id];
    const places: [string, string][] = [
      ...groupChats.map((id) => [`messages to group ${id}`, h.fake.everythingSentTo(id)] as [string, string]),
      ["exports", exportsText.join("\n")],
      ["HTTP answers", responses.join("\n")],
      // Job ids reach the log too: send jobs are named after keyset keys, never chat ids.
      ["logs", logLines.join("")],
    ];
    const leaks: string[] = [];
    for (const s of secrets) {
      for (const [label, text] of places) {
        for (const value of [String(s.id), s.username, s.firstName, s.lastName]) {
          if (!text.includes(value)) continue;
          const at = text.indexOf(value);
          leaks.push(`${s.who} ${s.firstName}: ${value} in ${label}: …${text.slice(Math.max(0, at - 260), at + 30)}…`);
        }
      }
    }
    expect(leaks).toEqual([]);
    // No path to a person through Telegram itself.
    expect(h.fake.callsTo("forwardMessage")).toHaveLength(0);
    const groupCalls = h.fake.calls.filter((c) => groupChats.includes(Number(c.params.chat_id)));
    expect(groupCalls.map((c) => JSON.stringify(c.params)).join("\n")).not.toMatch(/tg:\/\/user|text_mention/);
  });
});
