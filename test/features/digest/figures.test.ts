/**
 * A seeded week in Ta Phou commune (Svay Chek district), every figure
 * computed by hand: see the comments. Current week: Monday 5 – Sunday 11
 * January 2026 (Phnom Penh), previous: 29 December – 4 January.
 */
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { computeDigest, computeDigests, type DigestFigures } from "../../../src/features/digest/compute.js";
import { digestChartSvg, renderDigestChart } from "../../../src/features/digest/chart.js";
import { councilArea, councilAreas } from "../../../src/features/digest/deliveries.js";
import { lastFullWeek } from "../../../src/features/digest/period.js";
import { renderDigestText } from "../../../src/features/digest/render.js";
import { communes, districts, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { interview, pp, seedComplaint, seedRating, seedUser } from "./support.js";

const env = useTestEnvironment();
const tz = "Asia/Phnom_Penh";
// Monday 12 January 2026, 08:00 in Phnom Penh: the digest of 5–11 January.
const periods = lastFullWeek(pp("2026-01-12 08:00"), tz);

let commune: DigestFigures;
let district: DigestFigures;

beforeAll(async () => {
  const db = env.db;
  await seedSmallGazetteer(db);
  const [u1, u2, u3, u4, u5, u6, u7] = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => seedUser(db)));
  const [i1, i2, i3] = [interview(), interview(), interview()];
  const T = communes.taPhou;
  const hc = (at: string, by: number | string, attitude: number, medicines: number, more: Partial<Parameters<typeof seedRating>[1]> = {}) =>
    seedRating(db, { service: "health_centre", commune: T, at: pp(at), by, scores: { attitude, medicines }, ...more });

  // This week, health centre: 6 ratings, 12 scores 1,2,2,2,3,3,4,4,4,4,5,5:
  // median (3+4)/2 = 3.5 → 4, mean 39/12 = 3.25 → 3.3, satisfied 6/12 = 50%.
  // attitude mean 25/6 = 4.2, medicines 14/6 = 2.3 (the weakest).
  await hc("2026-01-05 09:00", u1!, 5, 2, { sex: "female", ageGroup: "15_30", disability: false, informal: "yes" });
  await hc("2026-01-06 09:00", u2!, 4, 2, { sex: "female", ageGroup: "31_45", disability: true, informal: "no" });
  await hc("2026-01-07 09:00", u3!, 4, 3, { sex: "male", ageGroup: "15_30", informal: "no" });
  await hc("2026-01-08 09:00", i1, 3, 1, { sex: "female", informal: "yes" });
  await hc("2026-01-09 09:00", i2, 5, 4, { sex: "male", informal: "dont_know" });
  await hc("2026-01-11 23:59", i3, 4, 2);
  // Not counted: superseded; Monday 00:00 of the next week.
  await hc("2026-01-10 09:00", u5!, 1, 1, { sex: "female", superseded: true });
  await hc("2026-01-12 00:00", u5!, 1, 1, { sex: "female" });
  // Primary school: 3 ratings (below 5: not shown), two by people already counted.
  for (const [by, score] of [[u1!, 4], [i1, 5], [u4!, 2]] as const) {
    await seedRating(db, { service: "primary_school", commune: T, at: pp("2026-01-07 10:00"), by, scores: { teacher_punctual: score }, sex: by === u4 ? "male" : "female" });
  }
  // District-level and other-commune ratings: only in the district's digest.
  await seedRating(db, { service: "owso", commune: T, at: pp("2026-01-06 11:00"), by: u6!, scores: { fees_displayed: 1 }, sex: "female" });
  await seedRating(db, { service: "health_centre", commune: communes.treas, at: pp("2026-01-06 11:00"), by: u7!, scores: { attitude: 5 }, sex: "female" });

  // The week before: Ta Phou 5 ratings, attitude 4 ×5, medicines 4,2,2,2,2 → 6/10 = 60%;
  // Treas 5 ratings of attitude 1 → the district's 6/15 = 40%.
  for (let i = 0; i < 5; i++) await hc(`2025-12-3${i % 2} 10:00`, await seedUser(db), 4, i === 0 ? 4 : 2);
  for (let i = 0; i < 5; i++) {
    await seedRating(db, { service: "health_centre", commune: communes.treas, at: pp("2026-01-02 10:00"), by: await seedUser(db), scores: { attitude: 1 } });
  }

  // Complaints of the commune council (acknowledged after 24 h, 72 h and 10 h: median 24 h).
  await seedComplaint(db, { commune: T, council: T, category: "extra_fees", status: "acknowledged", at: pp("2026-01-06 10:00"), events: [{ to: "acknowledged", at: pp("2026-01-07 10:00") }] });
  await seedComplaint(db, {
    commune: T, council: T, category: "extra_fees", status: "resolved", at: pp("2026-01-07 08:00"),
    events: [{ to: "acknowledged", at: pp("2026-01-10 08:00") }, { to: "resolved", at: pp("2026-01-11 08:00") }],
  });
  await seedComplaint(db, {
    commune: T, council: T, category: "staff_absent", status: "in_progress", at: pp("2026-01-08 08:00"),
    events: [{ to: "acknowledged", at: pp("2026-01-08 18:00") }, { to: "in_progress", at: pp("2026-01-09 08:00") }],
  });
  await seedComplaint(db, { commune: T, council: T, category: "infrastructure", status: "new", at: pp("2026-01-09 08:00") });
  // Filed 20 December, never answered: open and overdue. Closed ones are not open.
  await seedComplaint(db, { commune: T, council: T, category: "staff_absent", status: "new", at: pp("2025-12-20 08:00") });
  await seedComplaint(db, { commune: T, council: T, category: "other", status: "closed", at: pp("2025-12-25 08:00") });
  // A land complaint in Ta Phou owned by the district council.
  await seedComplaint(db, { commune: T, council: districts.svayChek, category: "land", status: "new", at: pp("2026-01-10 08:00") });

  commune = await computeDigest(db, (await councilArea(db, T))!, periods);
  district = await computeDigest(db, (await councilArea(db, districts.svayChek))!, periods);
});

describe("digest figures", () => {
  it("count ratings and distinct raters, with women, youth and disability (commune)", () => {
    // 6 health centre + 3 school; raters u1 u2 u3 i1 i2 i3 u4; women u1 u2 i1; youth u1 u3; disability u2.
    expect(commune.participation).toEqual({ shown: true, n: 9, value: { ratings: 9, raters: 7, women: 3, youth: 2, disability: 1 } });
    expect(commune.previousRatings).toBe(5);
    expect(commune.informalPayments).toEqual({ shown: true, n: 5, value: { yes: 2, answered: 5 } });
  });

  it("give median rounded up, mean, % satisfied, change and weakest criterion per service; none under 5 ratings", () => {
    const [health, school] = commune.services;
    expect(health).toMatchObject({
      service: "health_centre",
      current: { shown: true, n: 6, value: { median: 4, mean: 3.3, satisfiedPct: 50 } },
      previous: { shown: true, n: 5, value: { satisfiedPct: 60 } },
      change: -10,
      weakest: { criterion: "medicines", mean: 2.3 },
    });
    expect(school).toEqual({ service: "primary_school", current: { shown: false, n: 3 }, previous: { shown: false, n: 0 }, change: null, weakest: null });
    expect(commune.services.map((s) => s.service)).toEqual(["health_centre", "primary_school"]);
  });

  it("count complaints: new, acknowledged, resolved, open, overdue, median time and top categories", () => {
    expect(commune.complaints).toEqual({
      new: 4,
      acknowledged: 3,
      resolved: 1,
      open: 4,
      overdue: 1,
      medianHoursToAcknowledge: 24,
      topCategories: [
        { category: "extra_fees", count: 2 },
        { category: "infrastructure", count: 1 },
        { category: "staff_absent", count: 1 },
      ],
    });
  });

  it("cover a district's communes and its own services", () => {
    // + owso (u6) and Treas (u7): 11 ratings, 9 raters, 5 women.
    expect(district.participation).toMatchObject({ shown: true, value: { ratings: 11, raters: 9, women: 5 } });
    expect(district.services.map((s) => s.service)).toEqual(["owso", "health_centre", "primary_school"]);
    // 13 scores 1,2,2,2,3,3,4,4,4,4,5,5,5: median 4, mean 44/13 = 3.4, satisfied 7/13 = 54% against 40%.
    expect(district.services[1]).toMatchObject({ current: { shown: true, n: 7, value: { median: 4, mean: 3.4, satisfiedPct: 54 } }, change: 14 });
    expect(district.services[0]!.current).toEqual({ shown: false, n: 1 });
    expect(district.complaints).toMatchObject({ new: 5, open: 5, overdue: 1, topCategories: [{ category: "extra_fees", count: 2 }, { category: "infrastructure", count: 1 }, { category: "land", count: 1 }] });
  });

  it("read in English", () => {
    const text = renderDigestText(commune, "en", { timeZone: tz });
    expect(text.split("\n")).toEqual([
      "📊 Weekly digest: Ta Phou commune council",
      "5–11 January 2026, compared with the week before",
      "",
      "👥 Ratings: 9 from 7 people (3 women)",
      "   youth 15–30: 2 · with a disability: 1 · Week before: 5 ratings",
      "",
      "⭐ Services (median · mean · satisfied)",
      "• Health centre: 4 · 3.3 · 50% ▼ −10",
      `   weakest: ${"Medicines and equipment available"} (2.3)`,
      "• Primary school: not enough ratings yet",
      "",
      "💰 Asked to pay extra: 2 of 5 who answered",
      "",
      "📣 Complaints: 4 new · 3 acknowledged · 1 resolved",
      "   still open: 4 · not acknowledged after 7 days: 1",
      "   median time to acknowledge: 24 hours",
      "   most frequent: Unofficial or extra fees asked (2), Building, water, sanitation, electricity, roads (1), Staff absent, late, or closed in opening hours (1)",
      "",
      "Figures on fewer than 5 ratings are not shown. /stats shows this week so far.",
    ]);
    expect(renderDigestText(district, "en", { timeZone: tz })).toContain("• Health centre: 4 · 3.4 · 54% ▲ +14");
  });

  it("read in Khmer, with Khmer digits and women in brackets", () => {
    const text = renderDigestText(commune, "km", { timeZone: tz });
    expect(text).toContain("ក្រុមប្រឹក្សាឃុំតាផូ");
    expect(text).toContain("ថ្ងៃទី៥–១១ ខែមករា ឆ្នាំ២០២៦");
    expect(text).toContain("👥 ការវាយតម្លៃ៖ ៩ ពីប្រជាពលរដ្ឋ ៧ នាក់ (ស្ត្រី ៣)");
    expect(text).toContain("• មណ្ឌលសុខភាព៖ ៤ · ៣,៣ · ៥០% ▼ −១០");
    expect(text).toContain("• សាលាបឋមសិក្សា៖ មិនទាន់មានការវាយតម្លៃគ្រប់គ្រាន់");
    expect(text).toContain("📣 បណ្ដឹង៖ ថ្មី ៤ · បានទទួលស្គាល់ ៣ · បានដោះស្រាយ ១");
    expect(text).toContain("២៤ ម៉ោង");
    expect(text).not.toMatch(/[0-9]/);
  });

  it("never quote comments or name anyone", () => {
    for (const lang of ["en", "km"] as const) {
      for (const figures of [commune, district]) {
        const text = renderDigestText(figures, lang, { timeZone: tz });
        expect(text).not.toMatch(/Sophea|Sokha|Private details/);
      }
    }
  });

  it("are the same when every council is computed in one pass (the weekly run) as one at a time", async () => {
    const areas = await councilAreas(env.db, [communes.taPhou, communes.treas, districts.svayChek, communes.preaekChrey]);
    const all = await computeDigests(env.db, areas, periods);
    expect([...all.keys()].sort()).toEqual(areas.map((a) => a.code).sort());
    expect(all.get(communes.taPhou)).toEqual(commune);
    expect(all.get(districts.svayChek)).toEqual(district);
    for (const area of areas) expect(all.get(area.code)).toEqual(await computeDigest(env.db, area, periods));
    // A commune with no ratings or complaints at all still has its (empty) figures.
    expect(all.get(communes.preaekChrey)).toMatchObject({ participation: { shown: false, n: 0 }, services: [], complaints: { new: 0, open: 0, topCategories: [] } });
  });

  it("count a person who rated in two communes of one district once in the district's digest", async () => {
    // A later week, away from the seeded one: 2–8 February 2026. One woman rates in Ta Phou and in Treas,
    // four men in Ta Phou: the district has 6 ratings from 5 people (1 woman).
    const week = lastFullWeek(pp("2026-02-09 08:00"), tz);
    const both = await seedUser(env.db);
    for (const c of [communes.taPhou, communes.treas]) {
      await seedRating(env.db, { service: "health_centre", commune: c, at: pp("2026-02-03 09:00"), by: both, scores: { attitude: 4 }, sex: "female" });
    }
    for (let i = 0; i < 4; i++) {
      await seedRating(env.db, { service: "health_centre", commune: communes.taPhou, at: pp("2026-02-04 09:00"), by: await seedUser(env.db), scores: { attitude: 3 }, sex: "male" });
    }
    const figures = await computeDigests(env.db, await councilAreas(env.db, [districts.svayChek, communes.taPhou, communes.treas]), week);
    expect(figures.get(districts.svayChek)!.participation).toMatchObject({ shown: true, value: { ratings: 6, raters: 5, women: 1 } });
    expect(figures.get(communes.taPhou)!.participation).toMatchObject({ shown: true, value: { ratings: 5, raters: 5, women: 1 } });
    expect(figures.get(communes.treas)!.participation).toEqual({ shown: false, n: 1 });
  });

  it("draw the chart as a PNG", async () => {
    // Outlines only: resvg never shapes text (see chart-text.test.ts).
    expect(await digestChartSvg(district, "km", tz)).not.toContain("<text");
    const png = await renderDigestChart(district, "km", tz);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(5_000);
    if (process.env.DIGEST_CHART_OUT) {
      writeFileSync(`${process.env.DIGEST_CHART_OUT}/digest-km.png`, png);
      writeFileSync(`${process.env.DIGEST_CHART_OUT}/digest-en.png`, await renderDigestChart(district, "en", tz));
    }
  });
});
