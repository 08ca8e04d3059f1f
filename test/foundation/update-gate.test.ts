/**
 * The update gate's leases against real Redis, in the cases the end-to-end
 * tests (instances, webhook, polling, flood guard) do not reach: a holder that
 * died, a lock held too long, an attempt that failed and is tried again, a
 * lock that ran out and was taken by someone else, a slow update outliving
 * its leases' lifetime, and what the flood counter keeps.
 */
import { Bot } from "grammy";
import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import type { MatiContext } from "../../src/bot/context.js";
import { RetryLater } from "../../src/bot/transient.js";
import { recentUpdatesFrom, takeStateReadAtGate, updateGate, type UpdateGateOptions } from "../../src/bot/update-gate.js";
import { createLogger } from "../../src/log.js";
import { useTestEnvironment } from "../support/env.js";
import { testBotInfo, TEST_TOKEN } from "../support/fake-telegram.js";

const env = useTestEnvironment();
const log = createLogger("silent");
let nextUpdateId = 1;

/** A bot with only the gate in front of `handler`, as one instance of Mati. */
function instance(handler: (ctx: MatiContext) => Promise<void>, options: Partial<UpdateGateOptions> = {}) {
  const bot = new Bot<MatiContext>(TEST_TOKEN, { botInfo: testBotInfo });
  bot.use(updateGate(env.redis, env.redisPrefix, log, { floodWindowSeconds: 60, ...options }));
  bot.use(handler);
  return bot;
}

function message(chatId: number, fromId = chatId, updateId = nextUpdateId++): Update {
  const from = { id: fromId, is_bot: false, first_name: "Sokha" };
  return { update_id: updateId, message: { message_id: updateId, date: 0, chat: { id: chatId, type: "private", first_name: "Sokha" }, from, text: "hi" } } as Update;
}

const lockKey = (chatId: number) => `${env.redisPrefix}:chat-lock:${chatId}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the update gate", () => {
  it("waits out a lock whose holder died, then handles the update", async () => {
    const handled: number[] = [];
    const bot = instance(async (ctx) => void handled.push(ctx.update.update_id));
    await env.redis.set(lockKey(7001), "a-dead-process", "PX", 300);
    const started = performance.now();
    const update = message(7001);
    await bot.handleUpdate(update);
    expect(handled).toEqual([update.update_id]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("hands an update back (RetryLater) when its chat stays held longer than it may wait, and leaves the holder's lock alone", async () => {
    const bot = instance(async () => {}, { lockWaitMs: 200 });
    await env.redis.set(lockKey(7002), "another-instance", "PX", 5_000);
    const err = await bot.handleUpdate(message(7002)).catch((e: unknown) => e);
    expect((err as { error?: unknown }).error ?? err).toBeInstanceOf(RetryLater);
    expect(await env.redis.get(lockKey(7002))).toBe("another-instance");
  });

  it("handles again an update whose first attempt failed, and drops it once it succeeded", async () => {
    let attempts = 0;
    const bot = instance(async () => {
      if (++attempts === 1) throw new RetryLater("Postgres is restarting");
    });
    const update = message(7003);
    await expect(bot.handleUpdate(update)).rejects.toThrow();
    await bot.handleUpdate(update);
    await bot.handleUpdate(update);
    expect(attempts).toBe(2);
    expect(await env.redis.get(`${env.redisPrefix}:update:${update.update_id}`)).toBe("done");
    expect(await env.redis.exists(lockKey(7003))).toBe(0);
  });

  it("never releases a lock that ran out and was taken by someone else", async () => {
    const bot = instance(
      async () => {
        // The renewal is late (a stalled process): the lock runs out and another instance takes it.
        await env.redis.set(lockKey(7004), "the-next-holder", "PX", 5_000);
      },
      { lockTtlMs: 60_000 },
    );
    await bot.handleUpdate(message(7004));
    expect(await env.redis.get(lockKey(7004))).toBe("the-next-holder");
  });

  it("keeps its leases while a slow update runs past their lifetime", async () => {
    const ttl = 300;
    let twinWaited = false;
    const slow = instance(async () => void (await sleep(3 * ttl)), { lockTtlMs: ttl, claimTtlMs: ttl });
    const other = instance(async () => void (twinWaited = true), { lockTtlMs: ttl, claimTtlMs: ttl, lockWaitMs: 10_000 });
    const first = message(7005);
    const running = slow.handleUpdate(first);
    await sleep(ttl * 2);
    // Still held at twice its lifetime: the same update at another instance waits, then is dropped as done.
    expect(await env.redis.pttl(lockKey(7005))).toBeGreaterThan(0);
    await Promise.all([running, other.handleUpdate(first)]);
    expect(twinWaited).toBe(false);
  });

  it("reads the chat's state in the same call, once per update (null when there is none)", async () => {
    const seen: (string | null | undefined)[] = [];
    const stateKey = (ctx: MatiContext) => `${env.redisPrefix}:conversation:${ctx.chatId}`;
    const bot = instance(
      async (ctx) => {
        seen.push(takeStateReadAtGate(ctx), takeStateReadAtGate(ctx));
      },
      { stateKey },
    );
    await env.redis.set(`${env.redisPrefix}:conversation:7006`, '{"step":3}');
    await bot.handleUpdate(message(7006));
    await bot.handleUpdate(message(7007));
    expect(seen).toEqual(['{"step":3}', undefined, null, undefined]);
  });

  it("counts each sender's updates across chats under a key that does not name them", async () => {
    const counts: (number | undefined)[] = [];
    const bot = instance(async (ctx) => void counts.push(recentUpdatesFrom(ctx)));
    const before = new Set(await env.redis.keys(`${env.redisPrefix}:flood:*`));
    await bot.handleUpdate(message(9_876_543));
    await bot.handleUpdate(message(-100_555, 9_876_543));
    await bot.handleUpdate(message(9_876_544));
    expect(counts).toEqual([1, 2, 1]);
    const keys = (await env.redis.keys(`${env.redisPrefix}:flood:*`)).filter((key) => !before.has(key));
    expect(keys).toHaveLength(2);
    expect(keys.join()).not.toContain("987654");
    for (const key of keys) expect(await env.redis.ttl(key)).toBeGreaterThan(50);
  });
});
