/**
 * The update gate's leases against real Redis, in the cases the end-to-end
 * tests (instances, webhook, polling, flood guard) do not reach: a holder that
 * died, a lock held too long, an attempt that failed and is tried again, a
 * lock that ran out and was taken by someone else, a slow update outliving
 * its leases' lifetime, the chat's state read on the way in and saved on the
 * way out, and what the flood counter keeps.
 */
import { Bot } from "grammy";
import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import type { MatiContext } from "../../src/bot/context.js";
import { isTransientFailure, RetryLater } from "../../src/bot/transient.js";
import { chatStateOf, recentUpdatesFrom, setChatState, updateGate, type UpdateGateOptions } from "../../src/bot/update-gate.js";
import { createLogger } from "../../src/log.js";
import { createRedis } from "../../src/redis.js";
import { useTestEnvironment } from "../support/env.js";
import { redisUrl } from "../support/urls.js";
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

  it("reads the chat's state on the way in (null when there is none) and saves what the update set on the way out", async () => {
    const seen: (string | null | undefined)[] = [];
    const stateKey = (ctx: MatiContext) => `${env.redisPrefix}:conversation:${ctx.chatId}`;
    const bot = instance(
      async (ctx) => {
        seen.push(chatStateOf(ctx));
        if (ctx.chatId === 7006) expect(setChatState(ctx, '{"step":4}')).toBe(true);
        if (ctx.chatId === 7008) setChatState(ctx, null);
        // Within the update, what it set; in Redis, still what was there until the update is done.
        seen.push(chatStateOf(ctx));
        if (ctx.chatId === 7006) expect(await env.redis.get(`${env.redisPrefix}:conversation:7006`)).toBe('{"step":3}');
      },
      { stateKey, stateTtlSeconds: 600 },
    );
    await env.redis.set(`${env.redisPrefix}:conversation:7006`, '{"step":3}');
    await env.redis.set(`${env.redisPrefix}:conversation:7008`, '{"step":9}');
    await bot.handleUpdate(message(7006));
    await bot.handleUpdate(message(7007));
    await bot.handleUpdate(message(7008));
    expect(seen).toEqual(['{"step":3}', '{"step":4}', null, null, '{"step":9}', null]);
    expect(await env.redis.get(`${env.redisPrefix}:conversation:7006`)).toBe('{"step":4}');
    const ttl = await env.redis.ttl(`${env.redisPrefix}:conversation:7006`);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await env.redis.exists(`${env.redisPrefix}:conversation:7007`, `${env.redisPrefix}:conversation:7008`)).toBe(0);
  });

  it("keeps the state as it was when the update is to be handled again, and saves the next attempt's", async () => {
    const stateKey = (ctx: MatiContext) => `${env.redisPrefix}:conversation:${ctx.chatId}`;
    let attempts = 0;
    const bot = instance(
      async (ctx) => {
        setChatState(ctx, `{"attempt":${++attempts}}`);
        if (attempts === 1) throw new RetryLater("Postgres is restarting");
      },
      { stateKey },
    );
    await env.redis.set(`${env.redisPrefix}:conversation:7009`, '{"attempt":0}');
    const update = message(7009);
    await expect(bot.handleUpdate(update)).rejects.toThrow();
    expect(await env.redis.get(`${env.redisPrefix}:conversation:7009`)).toBe('{"attempt":0}');
    await bot.handleUpdate(update);
    expect(await env.redis.get(`${env.redisPrefix}:conversation:7009`)).toBe('{"attempt":2}');
  });

  it("does not save a state over another holder's once its own lock ran out", async () => {
    const stateKey = (ctx: MatiContext) => `${env.redisPrefix}:conversation:${ctx.chatId}`;
    const bot = instance(
      async (ctx) => {
        setChatState(ctx, '{"from":"a stalled instance"}');
        // Stalled past the lock's life (no renewal got through), and another instance took the chat.
        await env.redis.set(lockKey(7010), "another-instance", "PX", 5_000);
        await env.redis.set(`${env.redisPrefix}:conversation:7010`, '{"from":"the other instance"}');
      },
      { stateKey },
    );
    await bot.handleUpdate(message(7010));
    expect(await env.redis.get(`${env.redisPrefix}:conversation:7010`)).toBe('{"from":"the other instance"}');
    expect(await env.redis.get(lockKey(7010))).toBe("another-instance");
  });

  it("fails the update (to be handled again) when Redis goes away before its state is saved, not when it had none to save", async () => {
    const stateKey = (ctx: MatiContext) => `${env.redisPrefix}:conversation:${ctx.chatId}`;
    for (const sets of [true, false]) {
      // A connection of its own that the handler cuts, as a Redis restart would, before the way out.
      const redis = createRedis(redisUrl(), { maxRetriesPerRequest: 0, retryStrategy: () => null });
      const bot = new Bot<MatiContext>(TEST_TOKEN, { botInfo: testBotInfo });
      bot.use(updateGate(redis, env.redisPrefix, log, { floodWindowSeconds: 60, stateKey }));
      bot.use(async (ctx) => {
        if (sets) setChatState(ctx, '{"step":2}');
        redis.disconnect();
      });
      const outcome = await bot.handleUpdate(message(sets ? 7012 : 7013)).then(
        () => "handled",
        (err: unknown) => (isTransientFailure(err) ? "to be handled again" : err),
      );
      expect(outcome).toBe(sets ? "to be handled again" : "handled");
    }
    expect(await env.redis.exists(`${env.redisPrefix}:conversation:7012`)).toBe(0);
  });

  it("has no state to set for an update without a state key", async () => {
    const results: boolean[] = [];
    const bot = instance(async (ctx) => void results.push(setChatState(ctx, "{}")), { stateKey: () => undefined });
    await bot.handleUpdate(message(7011));
    expect(results).toEqual([false]);
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
