import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/app.js";
import { complaints, users } from "../../../src/db/schema/index.js";
import { fileComplaint } from "../../../src/features/complaints/complaints.js";
import { communes, districts } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { FakeTelegram, testBotInfo } from "../../support/fake-telegram.js";
import { useHarness, type Person } from "../../support/harness.js";
import { returningCitizen } from "../../support/onboarding.js";
import { fileThroughBot } from "../complaints/support.js";

const env = useTestEnvironment();
const h = useHarness(env, { overrides: { ROLE: "worker", OPEN_DATA_RATE_LIMIT_PER_MINUTE: "100000" } });
const DAY = 86_400_000;

let chanthou: Person;
let anonymousRef: string;
let namedRef: string;
const seeded: string[] = [];

beforeAll(async () => {
  await h.app.start();
  // An anonymous complainant who agreed to publish the text, with a pin.
  chanthou = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou, first_name: "Chanthou", username: "chanthou_secret" });
  const anonymous = await fileThroughBot(env, chanthou, "en", {
    category: "extra_fees",
    service: "health_centre",
    text: "The midwife asked 50,000 riel for a free delivery.",
    anonymous: true,
    publish: true,
    location: { latitude: 13.751234, longitude: 103.352345 },
  });
  anonymousRef = anonymous.reference;
  expect(anonymous.publishText).toBe(true);
  // A named complaint whose text stays with the council.
  const sokha = await returningCitizen(h, env.db, { lang: "km", communeCode: communes.taPhou, first_name: "Sokha", username: "sokha_kh" });
  const named = await fileThroughBot(env, sokha, "km", { category: "infrastructure", text: "The well at the school has been dry for a month." });
  namedRef = named.reference;
  expect(named.publishText).toBe(false);
  await env.db.update(complaints).set({ councilAreaCode: communes.taPhou }).where(eq(complaints.id, named.id));

  // More complaints over time, some closed, one older than 90 days.
  const [user] = await env.db.select().from(users).where(eq(users.telegramId, sokha.id));
  const now = Date.now();
  const more: [string, number, "new" | "resolved" | "rejected", string][] = [
    ["safety", 3, "new", communes.treas],
    ["other", 10, "resolved", communes.treas],
    ["staff_absent", 20, "rejected", communes.ponleyBmc],
    ["other", 40, "new", communes.ponleyTakeo],
    ["land", 120, "new", communes.taPhou],
  ];
  for (const [category, daysAgo, status, commune] of more) {
    const filed = await fileComplaint(
      env.db,
      { userId: user!.id, communeCode: commune, category: category as never, description: `Seeded ${category} ${daysAgo}`, photoFileIds: [], anonymous: false, firstName: "Sokha" },
      { timeZone: "Asia/Phnom_Penh", dailyLimit: 100, now: new Date(now - daysAgo * DAY) },
    );
    if (!filed.ok) throw new Error("seed failed");
    await env.db.update(complaints).set({ status, councilAreaCode: category === "land" ? districts.svayChek : null }).where(eq(complaints.id, filed.complaint.id));
    seeded.push(filed.complaint.reference);
  }
});

const responses: string[] = [];
async function get(path: string, headers: Record<string, string> = {}, port = h.app.address!.port) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const text = await response.text();
  responses.push(text);
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown };
}

const requestFields: Record<string, string[]> = {
  service_request_id: ["string"],
  status: ["string"],
  status_notes: ["string"],
  service_name: ["string"],
  service_code: ["string"],
  description: ["string", "null"],
  agency_responsible: ["string", "null"],
  requested_datetime: ["string"],
  updated_datetime: ["string"],
  address: ["string"],
  zipcode: ["string"],
};
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/;

function expectRequestShape(request: Record<string, unknown>) {
  expect(Object.keys(request).sort()).toEqual(Object.keys(requestFields).sort());
  for (const [field, types] of Object.entries(requestFields)) {
    expect(types, `${field}: ${JSON.stringify(request[field])}`).toContain(request[field] === null ? "null" : typeof request[field]);
  }
  expect(["open", "closed"]).toContain(request.status);
  expect(request.requested_datetime).toMatch(ISO);
  expect(request.updated_datetime).toMatch(ISO);
  expect(request.zipcode).toMatch(/^\d{6}$/);
}

describe("GET /open311/v2/services.json", () => {
  it("lists the complaint categories as services, in Khmer or English", async () => {
    const en = await get("/open311/v2/services.json?locale=en");
    expect(en.status).toBe(200);
    const services = en.body as Record<string, unknown>[];
    expect(services).toHaveLength(10);
    for (const s of services) {
      expect(Object.keys(s).sort()).toEqual(["description", "group", "keywords", "metadata", "service_code", "service_name", "type"]);
      expect(s).toMatchObject({ metadata: false, type: "realtime" });
      for (const f of ["service_code", "service_name", "description", "keywords", "group"]) expect(typeof s[f] === "string" && s[f] !== "").toBe(true);
    }
    expect(services[0]).toMatchObject({ service_code: "extra_fees", service_name: "Unofficial or extra fees asked", group: "Fees and transparency" });
    const km = (await get("/open311/v2/services.json")).body as Record<string, unknown>[];
    expect(km[0]!.service_name).toMatch(/[\u1780-\u17FF]/);
    expect(km.map((s) => s.service_code)).toEqual(services.map((s) => s.service_code));
  });
});

describe("GET /open311/v2/requests.json", () => {
  it("gives the last 90 days, newest first, with the spec's fields and types and commune-level places only", async () => {
    const { status, headers, body } = await get("/open311/v2/requests.json?locale=en");
    expect(status).toBe(200);
    const requests = body as Record<string, unknown>[];
    requests.forEach(expectRequestShape);
    // Newest first; the 120-day-old land dispute is outside the default window.
    const ids = requests.map((r) => r.service_request_id);
    expect(ids.slice(0, 2).sort()).toEqual([anonymousRef, namedRef].sort());
    expect(ids.slice(2)).toEqual(seeded.slice(0, 4));
    expect(ids).not.toContain(seeded[4]);
    expect(headers.get("x-total-count")).toBe("6");
    const times = requests.map((r) => Date.parse(String(r.requested_datetime)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const anonymous = requests.find((r) => r.service_request_id === anonymousRef)!;
    expect(anonymous).toMatchObject({
      status: "open",
      status_notes: "New",
      service_code: "extra_fees",
      service_name: "Unofficial or extra fees asked",
      description: "The midwife asked 50,000 riel for a free delivery.",
      address: "Khum Ta Phou",
      zipcode: communes.taPhou,
    });
    const named = requests.find((r) => r.service_request_id === namedRef)!;
    expect(named.description).toBeNull(); // not agreed to publish
    expect(named.agency_responsible).toBe("Ta Phou commune council");
    expect(requests.find((r) => r.service_request_id === seeded[1])).toMatchObject({ status: "closed", status_notes: "Resolved" });
  });

  it("filters by service_code, status and dates, and pages", async () => {
    const other = (await get("/open311/v2/requests.json?service_code=other,safety")).body as Record<string, unknown>[];
    expect(other.map((r) => r.service_request_id)).toEqual(seeded.slice(0, 2).concat(seeded[3]!));
    const closed = (await get("/open311/v2/requests.json?status=closed")).body as Record<string, unknown>[];
    expect(closed.map((r) => r.service_request_id)).toEqual([seeded[1], seeded[2]]);
    expect(closed.every((r) => r.status === "closed")).toBe(true);
    const day = (d: number) => new Date(Date.now() - d * DAY).toISOString().replace(/\.\d+Z$/, "Z");
    const window = (await get(`/open311/v2/requests.json?start_date=${day(30)}&end_date=${day(5)}`)).body as Record<string, unknown>[];
    expect(window.map((r) => r.service_request_id)).toEqual([seeded[1], seeded[2]]);
    const old = (await get(`/open311/v2/requests.json?start_date=${day(200)}&service_code=land`)).body as Record<string, unknown>[];
    expect(old.map((r) => r.service_request_id)).toEqual([seeded[4]]);
    expect(old[0]!.agency_responsible).toBe("ក្រុមប្រឹក្សាស្រុកស្វាយចេក");

    const page1 = await get("/open311/v2/requests.json?page_size=4&page=1");
    const page2 = await get("/open311/v2/requests.json?page_size=4&page=2");
    const page3 = await get("/open311/v2/requests.json?page_size=4&page=3");
    const ids = (p: { body: unknown }) => (p.body as Record<string, unknown>[]).map((r) => r.service_request_id);
    expect(ids(page1)).toHaveLength(4);
    expect(ids(page2)).toHaveLength(2);
    expect(ids(page3)).toEqual([]);
    expect(new Set([...ids(page1), ...ids(page2)]).size).toBe(6);
    expect(page2.headers.get("x-total-count")).toBe("6");
  });

  it("answers 400 naming the parameter for bad values", async () => {
    const cases: [string, string][] = [
      ["service_code=bribes", "service_code"],
      ["status=pending", "status"],
      ["status=", "status"],
      ["start_date=2026-13-01", "start_date"],
      ["start_date=2026-02-30", "start_date"],
      ["end_date=yesterday", "end_date"],
      ["start_date=2026-07-01T10:00:00", "start_date"],
      ["start_date=2026-07-02&end_date=2026-07-01", "end_date"],
      ["page=0", "page"],
      ["page=abc", "page"],
      ["page_size=101", "page_size"],
      ["locale=fr", "locale"],
    ];
    for (const [query, parameter] of cases) {
      const answer = await get(`/open311/v2/requests.json?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toEqual({ error: expect.any(String), parameter });
    }
    expect((await get("/open311/v2/requests.json?start_date=2026-07-01&end_date=2026-07-02T00:00:00%2B07:00")).status).toBe(200);
  });
});

describe("GET /open311/v2/requests/{id}.json", () => {
  it("gives an array with the one request, and 404 for unknown ids", async () => {
    const one = await get(`/open311/v2/requests/${anonymousRef}.json?locale=en`);
    expect(one.status).toBe(200);
    const body = one.body as Record<string, unknown>[];
    expect(body).toHaveLength(1);
    expectRequestShape(body[0]!);
    expect(body[0]!.service_request_id).toBe(anonymousRef);
    // Older than 90 days: the window applies to the list only.
    expect((await get(`/open311/v2/requests/${seeded[4]}.json`)).status).toBe(200);
    for (const id of ["MT-2020-999999", "nope", "1"]) {
      const missing = await get(`/open311/v2/requests/${id}.json`);
      expect(missing.status, id).toBe(404);
      expect(missing.body).toEqual({ error: expect.any(String) });
    }
  });
});

describe("what open data never shows", () => {
  it("no complainant's Telegram id, name or username, and no coordinates, in any response", async () => {
    await get("/open311/v2/requests.json?locale=km&page_size=100&start_date=2000-01-01");
    const all = responses.join("\n");
    expect(all).toContain(anonymousRef);
    for (const secret of [String(chanthou.id), "Chanthou", "chanthou_secret", "Sokha", "sokha_kh", "13.75", "103.35"]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/"(lat|long|latitude|longitude|media_url|first_name|reporter_name)"/);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After beyond the limit per client, counted per forwarded address behind a proxy", async () => {
    const fake = new FakeTelegram();
    const app = await createApp(env.config({ ROLE: "worker", REDIS_PREFIX: `${env.redisPrefix}_rl`, OPEN_DATA_RATE_LIMIT_PER_MINUTE: "2", TRUST_PROXY: "true" }), {
      botInfo: testBotInfo,
      client: { fetch: fake.fetch as never },
    });
    try {
      await app.start();
      const port = app.address!.port;
      const from = (ip: string) => ({ "x-forwarded-for": `${ip}, 10.0.0.1` });
      expect((await get("/open311/v2/services.json", from("203.0.113.7"), port)).status).toBe(200);
      expect((await get("/open311/v2/requests.json", from("203.0.113.7"), port)).status).toBe(200);
      const limited = await get("/open311/v2/requests.json?status=bogus", from("203.0.113.7"), port);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.body).toMatchObject({ error: expect.any(String) });
      expect((await get("/open311/v2/services.json", from("198.51.100.2"), port)).status).toBe(200);
      // The key names a hash of the address, never the address.
      expect((await env.redis.keys(`${env.redisPrefix}_rl:opendata:*`)).join(" ")).not.toContain("203.0.113.7");
    } finally {
      await app.stop();
    }
  });
});
