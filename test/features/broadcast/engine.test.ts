/**
 * The delivery engine in process: blocked chats (403), unknown chats (400),
 * a 429 with retry_after, a large audience paged in batches, and the rows
 * left behind by a crash. (A large audience: fanout.test.ts.)
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { broadcasts, deliveries, users } from "../../../src/db/schema/index.js";
import { broadcastSummary, startBroadcast, type EngineDeps } from "../../../src/features/broadcast/engine.js";
import { communes, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, eventually, type Harness, type Person } from "../../support/harness.js";
import { registered, userRow } from "../../support/people.js";

const env = useTestEnvironment();
let h: Harness;
let deps: EngineDeps;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h = await createHarness(env);
  h.startWorkers();
  deps = { config: env.config(), db: h.app.db, redis: h.app.redis, queues: h.app.queues, log: h.app.log };
});
afterAll(() => h.close());

const message = (text: string) => ({ km: { text }, en: { text } });
const sendsTo = (chatId: number, text: string) => h.fake.callsTo("sendMessage").filter((c) => Number(c.params.chat_id) === chatId && c.params.text === text);

async function finished(broadcastId: number) {
  return eventually(async () => {
    const s = await broadcastSummary(env.db, broadcastId);
    expect(s!.pending).toBe(0);
    return s!;
  }, 15_000);
}

describe("blocked and unknown chats", () => {
  let people: Person[];
  beforeAll(async () => {
    people = [];
    for (let i = 0; i < 4; i++) people.push(await registered(env, h, { communeCode: communes.preaekChrey }));
  });

  it("403: the delivery is marked blocked, the person too, with no retry; later audiences leave them out until they write again", async () => {
    const [a, b, c] = people as [Person, Person, Person];
    h.fake.block(b.id);
    const first = await startBroadcast(deps, { kind: "announcement", content: message("first"), audience: { kind: "citizens", areaCodes: [communes.preaekChrey] } });
    const s = await finished(first.id);
    expect(s).toMatchObject({ total: 4, sent: 3, blocked: 1, failed: 0 });
    expect(sendsTo(b.id, "first")).toHaveLength(1); // tried once, not retried
    const [row] = await env.db.select().from(deliveries).where(and(eq(deliveries.broadcastId, first.id), eq(deliveries.chatId, b.id)));
    expect(row).toMatchObject({ status: "blocked", error: "Forbidden: bot was blocked by the user", attempts: 1 });
    expect((await userRow(env, b.id)).blockedBot).toBe(true);

    const second = await startBroadcast(deps, { kind: "announcement", content: message("second"), audience: { kind: "citizens", areaCodes: [communes.preaekChrey] } });
    expect((await finished(second.id)).total).toBe(3);
    expect(sendsTo(b.id, "second")).toHaveLength(0);
    expect(sendsTo(a.id, "second")).toHaveLength(1);
    expect(sendsTo(c.id, "second")).toHaveLength(1);

    // They unblock the bot and write: they are back in the next audience.
    h.fake.blocked.delete(b.id);
    await b.send("/help");
    expect((await userRow(env, b.id)).blockedBot).toBe(false);
    const third = await startBroadcast(deps, { kind: "announcement", content: message("third"), audience: { kind: "citizens", areaCodes: [communes.preaekChrey] } });
    expect((await finished(third.id)).sent).toBe(4);
  });

  it("400 chat not found: failed with the reason, not retried", async () => {
    // A person whose chat Telegram no longer knows (account deleted).
    const [ghost] = await env.db.insert(users).values({ telegramId: 987_654_321, communeCode: communes.ponleyBmc, language: "en" }).returning();
    const b = await startBroadcast(deps, { kind: "announcement", content: message("to a ghost"), audience: { kind: "citizens", areaCodes: [communes.ponleyBmc] } });
    expect(await finished(b.id)).toMatchObject({ total: 1, failed: 1, sent: 0 });
    const [row] = await env.db.select().from(deliveries).where(eq(deliveries.broadcastId, b.id));
    expect(row).toMatchObject({ chatId: ghost!.telegramId, status: "failed", error: "Bad Request: chat not found", attempts: 1 });
    expect(h.fake.callsTo("sendMessage").filter((c) => Number(c.params.chat_id) === ghost!.telegramId)).toHaveLength(1);
  });
});

describe("429 Too Many Requests", () => {
  it("the queue as a whole waits retry_after, then every message goes out once", async () => {
    const people: Person[] = [];
    for (let i = 0; i < 6; i++) people.push(await registered(env, h, { communeCode: communes.treas }));
    h.fake.failNext("sendMessage", 429, "Too Many Requests: retry after 2", 1, 2);
    const b = await startBroadcast(deps, { kind: "announcement", content: message("after a 429"), audience: { kind: "citizens", areaCodes: [communes.treas] } });
    expect(await finished(b.id)).toMatchObject({ total: 6, sent: 6, failed: 0 });
    const calls = h.fake.callsTo("sendMessage").filter((c) => c.params.text === "after a 429");
    expect(calls).toHaveLength(7); // six deliveries and the one refused
    const refused = calls[0]!;
    // The queue paused: sends started before the 429 came back may still land, but the refused one
    // and those not yet started wait out retry_after (timings of in-flight sends vary with load).
    const startedLate = calls.filter((c) => c.at > refused.at + 1_900);
    expect(startedLate.length).toBeGreaterThanOrEqual(1);
    const retried = calls.slice(1).find((c) => c.params.chat_id === refused.params.chat_id)!;
    expect(retried.at).toBeGreaterThanOrEqual(refused.at + 1_900);
    for (const p of people) expect(sendsTo(p.id, "after a 429").length).toBeGreaterThanOrEqual(1);
    const chats = calls.slice(1).map((c) => Number(c.params.chat_id));
    expect(new Set(chats).size).toBe(6);
  });
});

describe("crash leftovers", () => {
  it("a row left 'sending' by a dead worker is sent again once stale; a finished row is never sent again", async () => {
    const [stale, done] = [await registered(env, h, { communeCode: communes.taPhou }), await registered(env, h, { communeCode: communes.taPhou })];
    // What a worker killed mid-send leaves: the broadcast, its rows, its jobs.
    const [b] = await env.db
      .insert(broadcasts)
      .values({ kind: "announcement", content: message("left over"), audience: { kind: "citizens", areaCodes: [communes.taPhou] }, fanoutDone: true, estimatedTotal: 2 })
      .returning();
    await env.db.insert(deliveries).values([
      { broadcastId: b!.id, chatId: stale.id, language: "km", status: "sending", attempts: 1, claimedAt: new Date(Date.now() - 120_000) },
      { broadcastId: b!.id, chatId: done.id, language: "km", status: "sent", attempts: 1, messageId: 7, finishedAt: new Date() },
    ]);
    for (const chat of [stale.id, done.id, done.id]) {
      await h.app.queues.broadcast.add("send", { b: b!.id, c: chat }, { jobId: `bc-${b!.id}-again-${Math.random()}` });
    }
    await eventually(async () => {
      const rows = await env.db.select().from(deliveries).where(eq(deliveries.broadcastId, b!.id));
      expect(rows.find((r) => r.chatId === stale.id)).toMatchObject({ status: "sent", attempts: 2 });
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(sendsTo(stale.id, "left over")).toHaveLength(1);
    expect(sendsTo(done.id, "left over")).toHaveLength(0);
  });
});
