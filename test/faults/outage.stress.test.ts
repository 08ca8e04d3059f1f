/**
 * Redis, then Postgres, restarted under a running bot (servers of the test's
 * own, never the shared ones): /readyz says not ready while one is away,
 * nothing needs a restart, and what people sent meanwhile is handled once the
 * service is back — long polling leaves those updates unconfirmed, a webhook
 * answers them 503 until Telegram's redelivery succeeds. Nobody gets an
 * apology for an outage, and the workers go on by themselves too.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { ratings, users } from "../../src/db/schema/index.js";
import { startBroadcast } from "../../src/features/broadcast/engine.js";
import { communes, seedSmallGazetteer } from "../support/areas.js";
import { FakeTelegram, TEST_TOKEN } from "../support/fake-telegram.js";
import { eventually, type Person } from "../support/harness.js";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis.js";
import { freePort, startMatiFor, type MatiProcess } from "../support/process.js";
import { deleteRedisKeys } from "../support/scratch.js";
import { wireCitizen, wirePerson } from "../support/wire.js";

const fake = new FakeTelegram();
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
let pg: PrivatePostgres;
let redis: PrivateRedis;
let db: Database;
let closeDb: () => Promise<void>;
let mati: MatiProcess | undefined;
let app: App | undefined;

beforeAll(async () => {
  [pg, redis, api] = await Promise.all([startPrivatePostgres(), startPrivateRedis({ persistent: true }), fake.listen()]);
  const created = createDatabase(pg.url, { max: 2 });
  db = created.db;
  closeDb = () => created.sql.end({ timeout: 5 });
  await seedSmallGazetteer(db);
});
afterAll(async () => {
  await mati?.hardKill();
  await app?.stop();
  await closeDb?.();
  await api?.close();
  await redis?.stop();
  await pg?.destroy();
});

const apologies = (p: Person) => p.messages().filter((m) => m.text.startsWith("Sorry, something went wrong"));

async function readyz(port: number): Promise<{ status: number; checks: Record<string, string> }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, checks: ((await response.json()) as { checks: Record<string, string> }).checks };
  } catch {
    return { status: 0, checks: {} };
  }
}

describe("long polling through a Redis restart, then a Postgres restart", () => {
  it("reports not ready, keeps the updates that arrive meanwhile, and handles them once each service is back", async () => {
    const port = await freePort();
    mati = await startMatiFor({ databaseUrl: pg.url, redisUrl: redis.url, redisPrefix: "outage", apiRoot: api.apiRoot, port }, { FLOOD_LIMIT_PER_MINUTE: "100000" });
    expect(await readyz(port)).toMatchObject({ status: 200 });

    const p = await wireCitizen(fake, db, { lang: "en", communeCode: communes.taPhou });
    await p.send("/rate");
    await p.press("Commune/sangkat office");
    expect(p.last().text).toContain("1/7");

    // Redis goes away.
    await redis.stop();
    await eventually(async () => expect(await readyz(port)).toMatchObject({ status: 503, checks: { postgres: "ok" } }), 15_000);
    const faceDuringRedis = fake.callbackFrom(p.user, p.last(), p.last().buttons.flat().find((b) => b.text.startsWith("😀"))!.data!);
    await fake.pushUpdate(faceDuringRedis);
    const newcomer = wirePerson(fake, fake.newUser({ language_code: "en" }));
    const startDuringRedis = fake.messageFrom(newcomer.user, newcomer.chat, { text: "/start" });
    await fake.pushUpdate(startDuringRedis);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(fake.confirmedOffset).toBeLessThanOrEqual(faceDuringRedis.update_id);

    await redis.start();
    await eventually(async () => expect(await readyz(port)).toMatchObject({ status: 200 }), 30_000);
    await eventually(() => expect(fake.confirmedOffset).toBeGreaterThan(startDuringRedis.update_id), 45_000);
    expect(p.last().text).toContain("2/7");
    expect(newcomer.last().buttons.flat().map((b) => b.text)).toEqual(["ខ្មែរ", "English"]);

    // Postgres goes away (an immediate shutdown: connections are cut).
    await pg.stop();
    await eventually(async () => expect((await readyz(port)).status).toBe(503), 15_000);
    expect((await readyz(port)).checks).toMatchObject({ redis: "ok" });
    const faceDuringPostgres = fake.callbackFrom(p.user, p.last(), p.last().buttons.flat().find((b) => b.text.startsWith("🙂"))!.data!);
    await fake.pushUpdate(faceDuringPostgres);
    const other = wirePerson(fake, fake.newUser({ language_code: "en" }));
    const startDuringPostgres = fake.messageFrom(other.user, other.chat, { text: "/start" });
    await fake.pushUpdate(startDuringPostgres);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(fake.confirmedOffset).toBeLessThanOrEqual(faceDuringPostgres.update_id);
    expect(p.last().text).toContain("2/7");

    await pg.start();
    await eventually(async () => expect(await readyz(port)).toMatchObject({ status: 200 }), 30_000);
    await eventually(() => expect(fake.confirmedOffset).toBeGreaterThan(startDuringPostgres.update_id), 45_000);
    expect(p.last().text).toContain("3/7");
    expect(other.last().buttons.flat().map((b) => b.text)).toEqual(["ខ្មែរ", "English"]);

    // The rating goes on to the end and is saved once; nobody was told "something went wrong".
    for (const face of ["😐", "🙁", "😠", "🙂"]) await p.press(new RegExp(`^${face}`));
    await p.press("No");
    await p.press("✅ Send");
    expect(p.last().text).toContain("Thank you! Your rating is saved");
    const [person] = await db.select().from(users).where(eq(users.telegramId, p.id));
    expect(await db.select().from(ratings).where(eq(ratings.raterUserId, person!.id))).toHaveLength(1);
    expect([...apologies(p), ...apologies(newcomer), ...apologies(other)]).toEqual([]);
    expect(mati.output()).toContain("update deferred");

    // The workers came back too: an announcement queued now reaches the person.
    const staffSide = await createApp(loadConfig({ BOT_TOKEN: TEST_TOKEN, TELEGRAM_API_ROOT: api.apiRoot, DATABASE_URL: pg.url, REDIS_URL: redis.url, REDIS_PREFIX: "outage", LOG_LEVEL: "silent" }));
    await startBroadcast(staffSide.deps, { kind: "announcement", content: { km: { text: "ប្រកាស" }, en: { text: "After the outage" } }, audience: { kind: "citizens", areaCodes: [communes.taPhou] } });
    await eventually(() => expect(p.messages().map((m) => m.text)).toContain("After the outage"), 20_000);
    await staffSide.stop();

    mati.child.kill("SIGTERM");
    expect((await mati.exited).code).toBe(0);
    mati = undefined;
  });
});

describe("a webhook through a Postgres restart", () => {
  it("answers 503 while Postgres is away, and Telegram's redelivery is handled once it is back", async () => {
    const port = await freePort();
    const hook = `http://127.0.0.1:${port}/telegram/hook`;
    app = await createApp(
      loadConfig({
        BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: api.apiRoot,
        DATABASE_URL: pg.url,
        REDIS_URL: redis.url,
        REDIS_PREFIX: "outage-hook",
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "silent",
        WEBHOOK_URL: hook,
        WEBHOOK_SECRET: "a-webhook-secret-of-the-test",
        ROLE: "bot",
      }),
    );
    await app.start();
    expect(fake.webhook?.url).toBe(hook);
    fake.webhookRetryMs = 300;

    await pg.stop();
    await eventually(async () => expect((await readyz(port)).status).toBe(503), 15_000);
    const p = wirePerson(fake, fake.newUser({ language_code: "en" }));
    const update = fake.messageFrom(p.user, p.chat, { text: "/start" });
    const delivered = fake.pushUpdate(update);
    await eventually(() => expect(fake.webhookAttempts.filter((a) => a.update_id === update.update_id).length).toBeGreaterThanOrEqual(2), 20_000);
    expect(p.messages()).toEqual([]);

    await pg.start();
    await delivered;
    const attempts = fake.webhookAttempts.filter((a) => a.update_id === update.update_id);
    expect(attempts.slice(0, -1).every((a) => a.status === 503 || a.status === 0)).toBe(true);
    expect(attempts.at(-1)!.status).toBe(200);
    expect(p.messages()).toHaveLength(1);
    expect(p.last().buttons.flat().map((b) => b.text)).toEqual(["ខ្មែរ", "English"]);
    await deleteRedisKeys(app.redis, "outage-hook");
  });
});
