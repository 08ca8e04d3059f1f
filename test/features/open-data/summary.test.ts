import { beforeAll, describe, expect, it } from "vitest";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { useHarness } from "../../support/harness.js";
import { pp, seedRating, seedUser } from "../digest/support.js";

const env = useTestEnvironment();
const h = useHarness(env, { overrides: { ROLE: "worker" } });

beforeAll(async () => {
  await h.app.start();
  const scores = [5, 4, 4, 2, 5, 3];
  for (let i = 0; i < 6; i++) {
    const by = await seedUser(env.db);
    await seedRating(env.db, { service: "health_centre", commune: communes.taPhou, at: pp(`2026-08-1${i} 09:00`), by, scores: { attitude: scores[i]!, medicines: i < 3 ? 4 : 1 }, sex: i < 4 ? "female" : "male", informal: i < 5 ? (i < 2 ? "yes" : "no") : null });
  }
  // The month before: 5 ratings, all satisfied.
  for (let i = 0; i < 5; i++) await seedRating(env.db, { service: "health_centre", commune: communes.taPhou, at: pp(`2026-07-0${i + 1} 09:00`), by: await seedUser(env.db), scores: { attitude: 5 } });
  // Too few to show.
  for (let i = 0; i < 3; i++) await seedRating(env.db, { service: "primary_school", commune: communes.taPhou, at: pp("2026-08-20 10:00"), by: await seedUser(env.db), scores: { latrines: 1 } });
});

async function get(path: string) {
  const response = await fetch(`http://127.0.0.1:${h.app.address!.port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("GET /api/v1/ratings/summary", () => {
  it("gives the digest's figures for a commune and period, compared with the period before, withholding those under 5 ratings", async () => {
    const { status, body } = await get(`/api/v1/ratings/summary?area=${communes.taPhou}&from=2026-08-01&to=2026-08-31&locale=en`);
    expect(status).toBe(200);
    expect(body.area).toEqual({ code: communes.taPhou, level: "commune", name: "Khum Ta Phou" });
    expect(body.period).toEqual({ from: "2026-08-01", to: "2026-08-31" });
    expect(body.previous_period).toEqual({ from: "2026-07-01", to: "2026-07-31" });
    expect(body.participation).toEqual({ shown: true, ratings: 9, raters: 9, women: 4, youth: null, disability: null });
    expect(body.informal_payments).toEqual({ shown: true, yes: 2, answered: 5 });
    const services = body.services as Record<string, unknown>[];
    const health = services.find((s) => s.service === "health_centre")!;
    // 12 scores: 7 at 4–5 → 58%; mean 3.2; median 4. The month before: 100%.
    expect(health.current).toEqual({ shown: true, ratings: 6, median: 4, mean: 3.2, satisfied_pct: 58 });
    expect(health.previous).toEqual({ shown: true, ratings: 5, median: 5, mean: 5, satisfied_pct: 100 });
    expect(health.change_satisfied_pct).toBe(-42);
    expect(health.weakest_criterion).toMatchObject({ criterion: "medicines", mean: 2.5 });
    const school = services.find((s) => s.service === "primary_school")!;
    expect(school.current).toEqual({ shown: false, fewer_than: 5 });
    expect(JSON.stringify(body)).not.toMatch(/"ratings":3\b/);
    expect(body.complaints).toMatchObject({ new: 0, open: 0 });
  });

  it("answers 400 for bad parameters and 404 for unknown areas", async () => {
    const cases: [string, string][] = [
      ["", "area"],
      ["area=01", "area"],
      ["area=0108&from=2026-08-01", "to"],
      ["area=0108&from=2026-08-01&to=2026-07-01", "to"],
      ["area=0108&from=2026-08-01&to=2026-08-01T10:00:00Z", "to"],
      ["area=0108&from=1-2-3&to=2026-08-01", "from"],
    ];
    for (const [query, parameter] of cases) {
      const answer = await get(`/api/v1/ratings/summary?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toEqual({ error: expect.any(String), parameter });
    }
    expect((await get("/api/v1/ratings/summary?area=999999")).status).toBe(404);
    const district = await get("/api/v1/ratings/summary?area=0108&from=2026-08-01&to=2026-08-31");
    expect(district.status).toBe(200);
    expect(district.body.area).toMatchObject({ level: "district", name: "ស្រុកស្វាយចេក" });
  });
});
