/**
 * A large audience is paged through by keyset in batches (never held in
 * memory), enqueued in bulk, and reaches everyone exactly once; at a paid
 * rate the sends carry allow_paid_broadcast; behind a long backlog the
 * fan-out waits and then carries on by itself.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { broadcasts, users } from "../../../src/db/schema/index.js";
import { broadcastSummary, FANOUT_BATCH, FANOUT_HIGH_WATER, startBroadcast, type EngineDeps } from "../../../src/features/broadcast/engine.js";
import { seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, eventually, type Harness } from "../../support/harness.js";

const env = useTestEnvironment();
const fastConfig = { BROADCAST_RATE_PER_SECOND: "1000", BROADCAST_ALLOW_PAID: "true" };
let fast: Harness;
let deps: EngineDeps;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  fast = await createHarness(env, fastConfig);
  fast.startWorkers();
  deps = { config: env.config(fastConfig), db: fast.app.db, redis: fast.app.redis, queues: fast.app.queues, log: fast.app.log };
});
afterAll(() => fast.close());

const message = (text: string) => ({ km: { text }, en: { text } });

describe("a large audience", () => {
  it("is paged in batches by keyset and reaches everyone exactly once", async () => {
    {
      const n = FANOUT_BATCH * 2 + 500;
      const rows = Array.from({ length: n }, () => {
        const user = fast.fake.newUser();
        fast.fake.addPrivateChat(user);
        return { telegramId: user.id, communeCode: "081201", language: "km" as const };
      });
      for (let i = 0; i < rows.length; i += 1000) await env.db.insert(users).values(rows.slice(i, i + 1000));
      const b = await startBroadcast(deps, { kind: "announcement", content: message("to many"), audience: { kind: "citizens", areaCodes: ["081201"] } });
      expect(b.estimatedTotal).toBe(n);
      const s = await eventually(async () => {
        const summary = await broadcastSummary(env.db, b.id);
        expect(summary!.sent).toBe(n);
        return summary!;
      }, 30_000);
      expect(s.total).toBe(n);
      const calls = fast.fake.callsTo("sendMessage").filter((c) => c.params.text === "to many");
      expect(calls).toHaveLength(n);
      expect(new Set(calls.map((c) => c.params.chat_id)).size).toBe(n);
      expect(calls.every((c) => c.params.allow_paid_broadcast === true)).toBe(true);
      const [row] = await env.db.select().from(broadcasts).where(eq(broadcasts.id, b.id));
      expect(row!.fanoutCursor).toBeGreaterThan(0);
      expect(row!.fanoutDone).toBe(true);
    }
  }, 60_000);
});

describe("behind a long backlog", () => {
  it("the fan-out defers while the send queue is long, then carries on by itself (no stall until the heal)", async () => {
    const rows = Array.from({ length: 3 }, () => {
      const user = fast.fake.newUser();
      fast.fake.addPrivateChat(user);
      return { telegramId: user.id, communeCode: "081202", language: "km" as const };
    });
    await env.db.insert(users).values(rows);
    // Another broadcast's sends wait in front (the queue is paused so they stay there).
    const queue = fast.app.queues.broadcast;
    await queue.pause();
    await queue.addBulk(Array.from({ length: FANOUT_HIGH_WATER + 1 }, (_, i) => ({ name: "send", data: { b: -1, c: i }, opts: { jobId: `backlog-${i}` } })));
    const b = await startBroadcast(deps, { kind: "announcement", content: message("behind a backlog"), audience: { kind: "citizens", areaCodes: ["081202"] } });

    // The fan-out found the backlog before its first page and deferred itself at the same cursor:
    // the continuation must be a job of its own, not an add under the id of the job still running.
    const deferred = await eventually(async () => {
      const jobs = await fast.app.queues.reminders.getJobs(["delayed", "waiting", "active"]);
      const ids = jobs.map((j) => j.id ?? "").filter((id) => id.startsWith(`bc-${b.id}-fanout-0-d`));
      expect(ids.length).toBeGreaterThan(0);
      return ids;
    }, 10_000);
    expect(deferred[0]).toMatch(new RegExp(`^bc-${b.id}-fanout-0-d\\d+$`));

    // The backlog clears: the broadcast goes out long before the stall heal (30 s) would have rescued it.
    await queue.drain();
    await queue.resume();
    const s = await eventually(async () => {
      const summary = await broadcastSummary(env.db, b.id);
      expect(summary!.sent).toBe(3);
      return summary!;
    }, 10_000);
    expect(s).toMatchObject({ total: 3, pending: 0 });
    const calls = fast.fake.callsTo("sendMessage").filter((c) => c.params.text === "behind a backlog");
    expect(new Set(calls.map((c) => c.params.chat_id)).size).toBe(3);
    expect(calls).toHaveLength(3);
  }, 40_000);
});

describe("a send job of many chats", () => {
  it("one chat's passing failure retries the job; the others are not sent again and everyone gets one message", async () => {
    const people = Array.from({ length: 12 }, () => {
      const user = fast.fake.newUser();
      fast.fake.addPrivateChat(user);
      return user;
    });
    await env.db.insert(users).values(people.map((u) => ({ telegramId: u.id, communeCode: "081203", language: "en" as const })));
    // At 1000/s the 12 chats share one job; the first send meets a 502, one chat is blocked.
    fast.fake.block(people[5]!.id);
    fast.fake.failNext("sendMessage", 502, "Bad Gateway");
    const b = await startBroadcast(deps, { kind: "announcement", content: message("one job, many chats"), audience: { kind: "citizens", areaCodes: ["081203"] } });
    const s = await eventually(async () => {
      const summary = await broadcastSummary(env.db, b.id);
      expect(summary!.pending).toBe(0);
      return summary!;
    }, 20_000);
    expect(s).toMatchObject({ total: 12, sent: 11, blocked: 1, failed: 0 });
    const calls = fast.fake.callsTo("sendMessage").filter((c) => c.params.text === "one job, many chats");
    // 12 first tries (one refused with 502, one blocked), then the refused chat once more.
    expect(calls).toHaveLength(13);
    for (const p of people) {
      const got = fast.fake.chatMessages(p.id).filter((m) => m.text === "one job, many chats").length;
      expect(got).toBe(p.id === people[5]!.id ? 0 : 1);
    }
    const blockedTries = calls.filter((c) => Number(c.params.chat_id) === people[5]!.id);
    expect(blockedTries).toHaveLength(1);
  }, 30_000);
});
