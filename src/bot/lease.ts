/**
 * A short Redis lease: SET NX PX with a token of our own, renewed while the
 * work runs, released by a compare-and-delete (Lua), so that a lease that ran
 * out and was taken by someone else is never released by us. A process that
 * dies holds nothing for longer than `ttlMs`.
 *
 *   per-chat order across instances (chatLock below)
 *   one update handled once (dropDuplicateUpdates, middleware.ts)
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Middleware } from "grammy";
import type { MatiContext } from "./context.js";
import { RetryLater } from "./transient.js";

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
/** Sets the value only if we still hold the key (e.g. "done" over our own claim), with a new lifetime. */
const REPLACE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("set", KEYS[1], ARGV[2], "PX", ARGV[3]) else return 0 end`;

export interface Lease {
  readonly token: string;
  /** Stops renewing and deletes the key if it is still ours. */
  release(): Promise<void>;
  /** Stops renewing and, if the key is still ours, replaces it with `value` for `ttlMs`. */
  settle(value: string, ttlMs: number): Promise<void>;
}

export function newToken(): string {
  return randomBytes(9).toString("base64url");
}

/** Takes the key if free; undefined when someone holds it. Renews every third of `ttlMs` until released. */
export async function tryLease(redis: Redis, key: string, ttlMs: number, token = newToken()): Promise<Lease | undefined> {
  const taken = await redis.set(key, token, "PX", ttlMs, "NX");
  if (taken !== "OK") return undefined;
  const timer = setInterval(() => {
    redis.eval(RENEW, 1, key, token, ttlMs).catch(() => {});
  }, Math.max(50, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    token,
    release: async () => {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token);
    },
    settle: async (value, settleTtlMs) => {
      clearInterval(timer);
      await redis.eval(REPLACE, 1, key, token, value, settleTtlMs);
    },
  };
}

/** Waits (polling with a growing pause) until the key is free and takes it; RetryLater after `waitMs`. */
export async function lease(redis: Redis, key: string, ttlMs: number, waitMs: number): Promise<Lease> {
  const deadline = Date.now() + waitMs;
  let pause = 5;
  for (;;) {
    const held = await tryLease(redis, key, ttlMs);
    if (held) return held;
    if (Date.now() >= deadline) throw new RetryLater(`${key} is held elsewhere`);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 100);
  }
}

/** How long one chat's lock lives without renewal: a dead holder blocks its chat no longer than this. */
export const CHAT_LOCK_TTL_MS = 10_000;
/**
 * How long an update waits for its chat's lock before it is handed back to
 * Telegram to try again (webhook: 503 well within Telegram's timeout;
 * polling: the loop retries it).
 */
export const CHAT_LOCK_WAIT_MS = 8_000;

/**
 * One chat's updates one at a time across every bot instance, keyed by the
 * chat id like the conversation state: the second instance waits for the
 * first to finish (an album's photos, a webhook redelivery racing the
 * original). Within one process grammY's `sequentialize` already queues them,
 * so the lock is normally free and costs one SET and one EVAL.
 */
export function chatLock(redis: Redis, prefix: string, options: { ttlMs?: number; waitMs?: number } = {}): Middleware<MatiContext> {
  const ttlMs = options.ttlMs ?? CHAT_LOCK_TTL_MS;
  const waitMs = options.waitMs ?? CHAT_LOCK_WAIT_MS;
  return async (ctx, next) => {
    const chatId = ctx.chatId;
    if (chatId === undefined) return next();
    const held = await lease(redis, `${prefix}:chat-lock:${chatId}`, ttlMs, waitMs);
    try {
      await next();
    } finally {
      await held.release().catch(() => {}); // Redis gone: the lock runs out by itself
    }
  };
}
