/**
 * Results back to citizens: after the month, everyone who rated a service or
 * filed a complaint in a commune gets that commune's figures in their own
 * language, caught up at start, once across two workers and a restart; not
 * people of other communes, nor those who turned it off, nor those who
 * blocked the bot. Figures are checked by hand on a seeded month.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { broadcasts, commitments, deliveries, forumAreas, forums, users } from "../../../src/db/schema/index.js";
import { countAudience } from "../../../src/features/broadcast/audience.js";
import { RESULTS_SCHEDULER_ID, resultsAudience, sendCommuneResults } from "../../../src/features/results/jobs.js";
import { resultsPeriodBefore } from "../../../src/features/results/period.js";
import { lastScheduledRun, startOfLocalDay } from "../../../src/features/digest/period.js";
import { formatDateTime, formatMonths, wallClock } from "../../../src/i18n.js";
import { communes, districts, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, eventually, type Harness, type Person } from "../../support/harness.js";
import { returningCitizen } from "../../support/onboarding.js";
import { everyStoredRow } from "../../support/privacy.js";
import { interview, seedComplaint, seedRating } from "../digest/support.js";
import { writeTranscript } from "../../support/transcript.js";

const env = useTestEnvironment();
const tz = "Asia/Phnom_Penh";
const open: Harness[] = [];
afterAll(async () => {
  for (const h of open) await h.close();
});

// The month the catch-up at start reports on: the one before the last scheduled run (1st of the month, 09:00).
const period = resultsPeriodBefore("month", lastScheduledRun("0 0 9 1 * *", tz, new Date()), tz);
const { current: month, previous: monthBefore } = period.periods;
const inMonth = (day: number, hour = 10) => new Date(month.start.getTime() + (day - 1) * 86_400_000 + hour * 3_600_000);
// 08:00 Phnom Penh, three weeks ahead.
const forumDay = wallClock(new Date(Date.now() + 21 * 86_400_000), tz);
const forumAt = new Date(startOfLocalDay(forumDay.year, forumDay.month, forumDay.day, tz).getTime() + 8 * 3_600_000);

let h1: Harness;
const people = {} as Record<"srey" | "mary" | "vanna" | "opted" | "blocked" | "elsewhere" | "old" | "superseded" | "resident" | "lonely", Person>;
const idOf = async (p: Person) => (await env.db.select().from(users).where(eq(users.telegramId, p.id)))[0]!.id;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h1 = await createHarness(env);
  open.push(h1);
  const citizen = (lang: "km" | "en", communeCode: string, first_name: string) => returningCitizen(h1, env.db, { lang, communeCode, first_name });
  people.srey = await citizen("km", communes.taPhou, "Srey");
  people.mary = await citizen("en", communes.taPhou, "Mary");
  people.vanna = await citizen("km", communes.taPhou, "Vanna");
  people.opted = await citizen("km", communes.taPhou, "Opted");
  people.blocked = await citizen("en", communes.taPhou, "Blocked");
  people.elsewhere = await citizen("km", communes.treas, "Elsewhere");
  people.old = await citizen("km", communes.taPhou, "Old");
  people.superseded = await citizen("km", communes.taPhou, "Superseded");
  people.resident = await citizen("km", communes.taPhou, "Resident");
  people.lonely = await citizen("en", communes.ponleyBmc, "Lonely");
  await env.db.update(users).set({ communeResults: false }).where(eq(users.telegramId, people.opted.id));
  await env.db.update(users).set({ blockedBot: true }).where(eq(users.telegramId, people.blocked.id));

  const db = env.db;
  const T = communes.taPhou;
  const [srey, mary, vanna, opted, blocked, elsewhere, old, superseded, lonely] = [
    await idOf(people.srey), await idOf(people.mary), await idOf(people.vanna), await idOf(people.opted), await idOf(people.blocked),
    await idOf(people.elsewhere), await idOf(people.old), await idOf(people.superseded), await idOf(people.lonely),
  ] as const;
  // Ta Phou, health centre: 6 ratings, 9 of 12 scores at 4–5 → 75 % satisfied.
  const i1 = interview();
  const hc = [
    { by: mary, sex: "female", s: [5, 4] },
    { by: opted, sex: "male", s: [4, 4] },
    { by: blocked, sex: "female", s: [5, 5] },
    { by: i1, sex: "female", s: [4, 2] },
    { by: interview(), sex: "male", s: [3, 4] },
    { by: interview(), sex: null, s: [2, 4] },
  ] as const;
  for (const [i, r] of hc.entries()) {
    await seedRating(db, { service: "health_centre", commune: T, at: inMonth(3 + i), by: r.by, sex: r.sex, scores: { attitude: r.s[0], medicines: r.s[1] } });
  }
  // Commune office: 5 ratings, 3 of 10 scores at 4–5 → 30 %.
  const co = [
    { by: srey, sex: "female", s: [2, 3] },
    { by: i1, sex: "female", s: [4, 2] },
    { by: interview(), sex: "male", s: [1, 2] },
    { by: interview(), sex: "female", s: [3, 3] },
    { by: interview(), sex: null, s: [5, 4] },
  ] as const;
  for (const [i, r] of co.entries()) {
    await seedRating(db, { service: "commune_office", commune: T, at: inMonth(10 + i), by: r.by, sex: r.sex, scores: { attitude: r.s[0], timely: r.s[1] } });
  }
  // Primary school: 3 ratings, too few to be named.
  for (const [i, r] of [{ by: srey, sex: "female" }, { by: interview(), sex: "male" }, { by: interview(), sex: "female" }].entries()) {
    await seedRating(db, { service: "primary_school", commune: T, at: inMonth(20 + i), by: r.by, sex: r.sex as "female" | "male", scores: { teacher_punctual: 5 } });
  }
  // Not counted and not written to: a rating of the month before, and one replaced later.
  await seedRating(db, { service: "health_centre", commune: T, at: new Date(monthBefore.start.getTime() + 86_400_000), by: old, scores: { attitude: 5 } });
  await seedRating(db, { service: "health_centre", commune: T, at: inMonth(15), by: superseded, scores: { attitude: 1 }, superseded: true });
  // Complaints: Vanna filed one anonymously and it was resolved in the month; one more resolved; one resolved the month before.
  await seedComplaint(db, { commune: T, council: T, category: "infrastructure", status: "resolved", at: inMonth(2), by: vanna, anonymous: true, events: [{ to: "acknowledged", at: inMonth(3) }, { to: "resolved", at: inMonth(9) }] });
  await seedComplaint(db, { commune: T, council: T, category: "extra_fees", status: "resolved", at: new Date(monthBefore.start.getTime() + 86_400_000), events: [{ to: "resolved", at: inMonth(5) }] });
  await seedComplaint(db, { commune: T, council: T, category: "safety", status: "closed", at: new Date(monthBefore.start.getTime() + 86_400_000), events: [{ to: "resolved", at: new Date(monthBefore.start.getTime() + 2 * 86_400_000) }] });
  // Treas: 6 ratings in the month (enough to count people), but no service reaches 5.
  await seedRating(db, { service: "health_centre", commune: communes.treas, at: inMonth(4), by: elsewhere, sex: "male", scores: { attitude: 4 } });
  for (const [i, service] of ["health_centre", "commune_office", "commune_office", "primary_school", "primary_school"].entries()) {
    await seedRating(db, { service, commune: communes.treas, at: inMonth(5 + i), by: interview(), scores: service === "primary_school" ? { teacher_punctual: 3 } : { attitude: 3 } });
  }
  // Ponley: one rating only.
  await seedRating(db, { service: "health_centre", commune: communes.ponleyBmc, at: inMonth(8), by: lonely, sex: "female", scores: { attitude: 4 } });
  // A forum coming up for Svay Chek district (Ta Phou and Treas are in it).
  const [forum] = await db
    .insert(forums)
    .values({ type: "dc_forum", titleKm: "វេទិកាស្រុកស្វាយចេក", titleEn: "Svay Chek district forum", startsAt: forumAt, venue: "សាលាស្រុកស្វាយចេក", status: "published", publishedAt: new Date() })
    .returning();
  await db.insert(forumAreas).values({ forumId: forum!.id, areaCode: districts.svayChek });
  // Commitments: in Ta Phou one done in the month, one done the month before (not this period's), one open;
  // one for all of Svay Chek district, open (it counts for Ta Phou and Treas).
  const commitment = (reference: string, areaCode: string, status: "planned" | "done", doneAt?: Date) => ({
    reference, councilAreaCode: areaCode, areaCode, serviceKey: "health_centre", text: "Post the official price list", dueOn: "2026-12-31", status, doneAt: doneAt ?? null,
  });
  await db.insert(commitments).values([
    commitment("CM-T1", T, "done", inMonth(10)),
    commitment("CM-T2", T, "done", new Date(monthBefore.start.getTime() + 86_400_000)),
    commitment("CM-T3", T, "planned"),
    commitment("CM-D1", districts.svayChek, "planned"),
  ]);
});

const summaries = (p: Person) => p.messages().filter((m) => m.text.startsWith("📊"));
const when = { km: formatMonths(month.start, month.end, "km", tz), en: formatMonths(month.start, month.end, "en", tz) };

describe("citizens' monthly results", () => {
  it("registers the schedule: the 1st of each month at 09:00 Phnom Penh by default, quarters on request", async () => {
    expect(env.config().RESULTS_CRON).toBe("0 0 9 1 * *");
    expect(env.config().RESULTS_PERIOD).toBe("month");
    expect(env.config({ RESULTS_PERIOD: "quarter" }).RESULTS_CRON).toBe("0 0 9 1 1,4,7,10 *");
    expect(env.config({ RESULTS_CRON: "0 30 7 2 * *" }).RESULTS_CRON).toBe("0 30 7 2 * *");
    expect(() => env.config({ RESULTS_PERIOD: "week" })).toThrow(/RESULTS_PERIOD: must be month or quarter/);
    expect(() => env.config({ RESULTS_CRON: "0 9 1 * *" })).toThrow(/RESULTS_CRON: must be a cron pattern of six fields/);
  });

  it("cover calendar months or quarters in Phnom Penh time, each against the one before", () => {
    const pp = (local: string) => new Date(`${local}+07:00`);
    const january = resultsPeriodBefore("month", pp("2027-02-01T09:00:00"), tz);
    expect(january.label).toBe("2027-01");
    expect(january.periods.current.start).toEqual(pp("2027-01-01T00:00:00"));
    expect(january.periods.current.end).toEqual(pp("2027-02-01T00:00:00"));
    expect(january.periods.previous.start).toEqual(pp("2026-12-01T00:00:00"));
    expect(formatMonths(january.periods.current.start, january.periods.current.end, "km", tz)).toBe("ខែមករា ឆ្នាំ២០២៧");
    const q3 = resultsPeriodBefore("quarter", pp("2026-10-01T09:00:00"), tz);
    expect(q3.label).toBe("2026-Q3");
    expect(q3.periods.previous.start).toEqual(pp("2026-04-01T00:00:00"));
    expect(formatMonths(q3.periods.current.start, q3.periods.current.end, "en", tz)).toBe("July–September 2026");
    expect(formatMonths(q3.periods.current.start, q3.periods.current.end, "km", tz)).toBe("ខែកក្កដា–កញ្ញា ឆ្នាំ២០២៦");
    // Midnight in Phnom Penh ends the month; a run a minute before it reports on the month before.
    expect(resultsPeriodBefore("month", pp("2026-12-01T00:00:00"), tz).label).toBe("2026-11");
    expect(resultsPeriodBefore("month", pp("2026-11-30T23:59:00"), tz).label).toBe("2026-10");
  });

  it("reach exactly the commune's participants, in their language, once across two workers and a restart", async () => {
    // Two workers start together; each catches up the month just ended.
    const h2 = await createHarness(env, {}, { fake: h1.fake });
    open.push(h2);
    await Promise.all([h1.app.startWorkers(), h2.app.startWorkers()]);
    expect(await h1.app.queues.digest.getJobScheduler(RESULTS_SCHEDULER_ID)).toMatchObject({ pattern: "0 0 9 1 * *", tz });

    await eventually(() => {
      for (const p of [people.srey, people.mary, people.vanna, people.elsewhere, people.lonely]) expect(summaries(p)).toHaveLength(1);
    });
    const forumKm = formatDateTime(forumAt, "km", tz);
    const forumEn = formatDateTime(forumAt, "en", tz);
    // Hand-checked: 12 people (6 women); health centre 75 %, commune office 30 %; school under 5; 2 complaints resolved.
    expect(summaries(people.mary)[0]!.text).toBe(
      [
        `📊 Khum Ta Phou: results of ${when.en}`,
        "",
        "👥 12 people rated the services (6 women).",
        "👍 Best rated: Health centre (75% satisfied).",
        "👎 Weakest: Commune/sangkat office (30% satisfied).",
        "Other services had fewer than 5 ratings and are not shown yet.",
        "✅ Complaints resolved: 2.",
        "🤝 Commitments made at forums: 1 done this period, 2 still open.",
        `🏛 Next forum: Svay Chek district forum, ${forumEn}, សាលាស្រុកស្វាយចេក`,
        "",
        "Thank you for taking part! Rate again whenever you use a service.",
        "🔕 Don't want these summaries? Press «Stop these summaries» or open /settings.",
      ].join("\n"),
    );
    const khmer = [
      `📊 លទ្ធផលឃុំតាផូ ${when.km}`,
      "",
      "👥 មានប្រជាពលរដ្ឋ ១២ នាក់ បានវាយតម្លៃសេវា (ស្ត្រី ៦ នាក់)។",
      "👍 ល្អជាងគេ៖ មណ្ឌលសុខភាព (ពេញចិត្ត ៧៥%)។",
      "👎 ខ្សោយជាងគេ៖ រដ្ឋបាលឃុំ/សង្កាត់ (ពេញចិត្ត ៣០%)។",
      "សេវាផ្សេងទៀតមានការវាយតម្លៃតិចជាង ៥ ទើបមិនទាន់បង្ហាញ។",
      "✅ បណ្ដឹងដែលបានដោះស្រាយ៖ ២។",
      "🤝 ការប្ដេជ្ញាចិត្តពីវេទិកា៖ បានធ្វើរួច ១ ក្នុងរយៈពេលនេះ នៅសល់ ២ មិនទាន់រួច។",
      `🏛 វេទិកាបន្ទាប់៖ «វេទិកាស្រុកស្វាយចេក» ${forumKm} នៅសាលាស្រុកស្វាយចេក`,
      "",
      "សូមអរគុណដែលបានចូលរួម! សូមវាយតម្លៃម្ដងទៀត ពេលអ្នកប្រើសេវា។",
      "🔕 មិនចង់ទទួលសេចក្ដីសង្ខេបនេះទៀតទេ? ចុច «ឈប់ទទួលសេចក្ដីសង្ខេប» ឬបើក /settings។",
    ].join("\n");
    expect(summaries(people.srey)[0]!.text).toBe(khmer);
    // The anonymous complainant gets it privately, like any participant.
    expect(summaries(people.vanna)[0]!.text).toBe(khmer);
    expect(summaries(people.srey)[0]!.buttons.flat().map((b) => [b.text, b.data])).toEqual([
      ["⭐ វាយតម្លៃសេវា", "menu:rate"],
      ["🔕 ឈប់ទទួលសេចក្ដីសង្ខេប", "rs:off"],
    ]);
    expect(summaries(people.mary)[0]!.buttons.flat().map((b) => b.text)).toEqual(["⭐ Rate a service", "🔕 Stop these summaries"]);

    // Treas: people are counted, but no service has 5 ratings; Ponley: too few ratings for any figure.
    const treas = summaries(people.elsewhere)[0]!.text;
    expect(treas).toContain("📊 លទ្ធផលឃុំទ្រាស");
    expect(treas).toContain("👥 មានប្រជាពលរដ្ឋ ៦ នាក់ បានវាយតម្លៃសេវា (ស្ត្រី ០ នាក់)។");
    expect(treas).toContain("⭐ ការវាយតម្លៃមិនទាន់គ្រប់គ្រាន់ ដើម្បីប្រាប់ថាសេវាណាល្អជាងគេ ឬខ្សោយជាងគេនៅឡើយទេ (សេវានីមួយៗត្រូវការយ៉ាងតិច ៥)។");
    expect(treas).not.toMatch(/👍|👎/);
    expect(treas).toContain("🤝 ការប្ដេជ្ញាចិត្តពីវេទិកា៖ បានធ្វើរួច ០ ក្នុងរយៈពេលនេះ នៅសល់ ១ មិនទាន់រួច។"); // the district's
    const ponley = summaries(people.lonely)[0]!.text;
    expect(ponley).toContain("📊 Khum Ponley: results of");
    expect(ponley).toContain(`👥 Fewer than 5 ratings in ${when.en}: too few to show the figures yet.`);
    expect(ponley).not.toContain("people rated");
    expect(ponley).toContain("✅ Complaints resolved: 0.");
    expect(ponley).not.toContain("Next forum"); // no forum for Phnum Srok
    expect(ponley).not.toContain("Commitments"); // none for Ponley

    // Nobody else: not those who turned it off or blocked the bot, not last month's or replaced raters, not mere residents.
    for (const p of [people.opted, people.blocked, people.old, people.superseded, people.resident]) expect(summaries(p)).toEqual([]);
    expect(h1.fake.everythingSentTo(people.blocked.id)).toBe("");

    // One broadcast per commune and month, one delivery per recipient.
    const sent = await env.db.select().from(broadcasts).where(eq(broadcasts.kind, "commune_results"));
    expect(sent.map((b) => b.dedupeKey).sort()).toEqual([communes.ponleyBmc, communes.taPhou, communes.treas].map((c) => `results-${c}-${period.label}`).sort());
    const taPhouBroadcast = sent.find((b) => b.dedupeKey === `results-${communes.taPhou}-${period.label}`)!;
    await eventually(async () => {
      const rows = await env.db.select().from(deliveries).where(eq(deliveries.broadcastId, taPhouBroadcast.id));
      expect(rows.map((r) => [r.chatId, r.language, r.status]).sort()).toEqual(
        [[people.srey.id, "km", "sent"], [people.mary.id, "en", "sent"], [people.vanna.id, "km", "sent"]].sort(),
      );
    });

    // A restart catches up again, and the scheduler firing again finds the month sent: nothing more goes out.
    await h1.close();
    await h2.close();
    const h3 = await createHarness(env, {}, { fake: h1.fake });
    open.push(h3);
    await h3.app.startWorkers();
    await h3.app.queues.digest.add("results-run", { kind: "month", at: month.start.toISOString() }, { jobId: "results-run-again" });
    expect(await sendCommuneResults(h3.app.deps, communes.taPhou, period)).toEqual({ skipped: "already" });
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of [people.srey, people.mary, people.vanna, people.elsewhere, people.lonely]) expect(summaries(h3.adopt(p))).toHaveLength(1);
    expect(await env.db.select().from(broadcasts).where(eq(broadcasts.kind, "commune_results"))).toHaveLength(3);
    h1 = h3;

    const transcript = [people.srey, people.vanna].map((p) => `[${p.user.first_name}, ${p.chat.id}]\n${summaries(p)[0]!.text}\n[${summaries(p)[0]!.buttons.flat().map((b) => b.text).join("] [")}]`);
    writeTranscript("commune-results-km", transcript.join("\n\n"));
  });

  it("stop with one press on the summary, or in /settings; rate again from it", async () => {
    const srey = h1.adopt(people.srey);
    const summary = summaries(srey)[0]!;
    await srey.press("🔕 ឈប់ទទួលសេចក្ដីសង្ខេប", summary);
    expect(srey.toasts().at(-1)).toBe("✅ បានរក្សាទុក។");
    expect(srey.last().text).toBe("🔕 អ្នកនឹងមិនទទួលសេចក្ដីសង្ខេបនេះទៀតទេ។ អាចបើកវិញបាននៅ /settings។");
    expect(srey.messages().find((m) => m.message_id === summary.message_id)!.buttons.flat().map((b) => b.text)).toEqual(["⭐ វាយតម្លៃសេវា"]);
    expect((await env.db.select().from(users).where(eq(users.telegramId, srey.id)))[0]!.communeResults).toBe(false);
    // The same month's audience (or any later one) no longer has her.
    expect(await countAudience(env.db, resultsAudience(communes.taPhou, period))).toBe(2);

    await srey.send("/settings");
    expect(srey.last().text).toContain("📊 លទ្ធផលប្រចាំខែនៃឃុំសង្កាត់របស់ខ្ញុំ៖ បិទ");
    await srey.press("📊 ទទួលលទ្ធផល");
    expect(srey.last().text).toContain("📊 លទ្ធផលប្រចាំខែនៃឃុំសង្កាត់របស់ខ្ញុំ៖ បើក");
    expect(await countAudience(env.db, resultsAudience(communes.taPhou, period))).toBe(3);

    const mary = h1.adopt(people.mary);
    await mary.send("/settings");
    expect(mary.last().text).toContain("📊 Monthly results of my commune: on");
    expect(mary.last().text).toContain("🔔 News of forums and meetings: on");
    await mary.press("📊 Stop the results");
    expect(mary.toasts().at(-1)).toBe("✅ Saved.");
    expect(mary.last().text).toContain("📊 Monthly results of my commune: off");
    expect(mary.last().text).toContain("🔔 News of forums and meetings: on"); // the forum news is a separate switch
    const row = (await env.db.select().from(users).where(eq(users.telegramId, mary.id)))[0]!;
    expect(row).toMatchObject({ communeResults: false, announcements: true });
    await mary.press("📊 Get the results");
    expect(mary.last().text).toContain("📊 Monthly results of my commune: on");

    // A stale stop button of someone not (or no longer) known gets a polite answer.
    const stranger = h1.person({ language_code: "en" });
    await stranger.pressData("rs:off", summaries(mary)[0]!);
    expect(stranger.toasts().at(-1)).toBe("This button has expired.");

    await mary.press("⭐ Rate a service", summaries(mary)[0]!);
    expect(mary.buttons()).toContain("Health centre");
  });

  it("are forgotten with the person: no delivery row leads back to them", async () => {
    const vanna = h1.adopt(people.vanna);
    expect(await everyStoredRow(env)).toContain(String(vanna.id));
    await vanna.send("/forget");
    await vanna.press("🗑 បាទ/ចាស លុបចោល");
    expect(await everyStoredRow(env)).not.toContain(String(vanna.id));
    const taPhou = await env.db.select().from(broadcasts).where(eq(broadcasts.dedupeKey, `results-${communes.taPhou}-${period.label}`));
    expect((await env.db.select().from(deliveries).where(eq(deliveries.broadcastId, taPhou[0]!.id))).map((r) => r.chatId).sort()).toEqual([people.srey.id, people.mary.id].sort());
    expect(await countAudience(env.db, resultsAudience(communes.taPhou, period))).toBe(2);
  });
});
