/**
 * A worker stopped in the middle of a broadcast and a new one started in its
 * place (same Redis, same database, same Telegram): every recipient gets the
 * message exactly once.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveries, users } from "../../../src/db/schema/index.js";
import { broadcastSummary, startBroadcast } from "../../../src/features/broadcast/engine.js";
import { seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { FakeTelegram } from "../../support/fake-telegram.js";
import { createHarness, eventually, type Harness } from "../../support/harness.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
const N = 60;
let first: Harness;
let second: Harness | undefined;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  const rows = Array.from({ length: N }, () => {
    const user = fake.newUser();
    fake.addPrivateChat(user);
    return { telegramId: user.id, communeCode: "010806", language: "en" as const };
  });
  await env.db.insert(users).values(rows);
});
afterAll(async () => {
  await first?.close();
  await second?.close();
});

describe("stopping the worker mid-broadcast", () => {
  it("the next worker delivers the rest: one message per chat, none missing", async () => {
    first = await createHarness(env, { BROADCAST_RATE_PER_SECOND: "20" }, { fake });
    first.startWorkers();
    fake.latency.set("sendMessage", 150); // sends are in flight when the stop comes
    const deps = { config: env.config(), db: first.app.db, redis: first.app.redis, queues: first.app.queues, log: first.app.log };
    const b = await startBroadcast(deps, { kind: "announcement", content: { km: { text: "restart" }, en: { text: "restart" } }, audience: { kind: "citizens", areaCodes: ["0108"] } });
    await eventually(() => expect(fake.callsTo("sendMessage").length).toBeGreaterThanOrEqual(15));
    await first.close(); // SIGTERM's path: in-flight sends finish and are recorded
    const sentBefore = (await broadcastSummary(env.db, b.id))!.sent;
    expect(sentBefore).toBeGreaterThanOrEqual(15);
    expect(sentBefore).toBeLessThan(N);
    const stuck = await env.db.select().from(deliveries).where(eq(deliveries.status, "sending"));
    expect(stuck).toHaveLength(0);

    second = await createHarness(env, { BROADCAST_RATE_PER_SECOND: "20" }, { fake });
    second.startWorkers();
    const done = await eventually(async () => {
      const s = await broadcastSummary(env.db, b.id);
      expect(s!.sent).toBe(N);
      return s!;
    }, 20_000);
    expect(done).toMatchObject({ total: N, failed: 0, blocked: 0, pending: 0 });
    const perChat = new Map<string, number>();
    for (const c of fake.callsTo("sendMessage")) perChat.set(String(c.params.chat_id), (perChat.get(String(c.params.chat_id)) ?? 0) + 1);
    expect(perChat.size).toBe(N);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
  }, 40_000);
});
