/**
 * The way in and out of every update, shared by every bot instance through
 * Redis, in one script call each way (each round trip to Redis costs the bot
 * CPU, and there are thousands of updates a second at a forum's peak):
 *
 *   in    the chat's lock      one chat's updates one at a time across instances (an album's
 *                              photos, a webhook redelivery racing the original), keyed by the
 *                              chat id like the conversation state; within one process grammY's
 *                              `sequentialize` already queues them, so it is normally free
 *         the update's claim   Telegram redelivers an update when a webhook answer fails or is
 *                              slow, and long polling hands an unconfirmed update to the next
 *                              process: a twin of an update already handled is dropped, a twin
 *                              of one being handled is handed back (RetryLater), not dropped,
 *                              for the first attempt may still fail
 *         the flood counter    updates per person in the current window, read by floodGuard
 *         the chat's state     read with the lock held (the conversation in progress, see
 *                              `stateKey`), so the conversations plugin need not ask again
 *   out   the chat's state as the update left it is saved, and the claim becomes "done" for
 *         a day; or, if the update is to be handled again (a transient failure, see
 *         transient.ts), the claim is released and the state left as it was, so the next
 *         attempt starts from the same step; the lock is released
 *
 * Lock and claim are leases: SET NX PX with a token of our own, renewed while
 * the update runs, released by compare-and-delete, so a lease that ran out and
 * was taken by someone else is never released by us, and a process that dies
 * holds nothing for longer than its lifetime. The scripts touch several keys at
 * once: Mati needs one Redis server (or a primary with replicas), not a Cluster.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Redis, Result } from "ioredis";
import type { Middleware } from "grammy";
import type { Logger } from "../log.js";
import type { MatiContext } from "./context.js";
import { RetryLater } from "./transient.js";

/** How long one chat's lock lives without renewal: a dead holder blocks its chat no longer than this. */
export const CHAT_LOCK_TTL_MS = 10_000;
/**
 * How long an update waits for its chat's lock before it is handed back to
 * Telegram to try again (webhook: 503 well within Telegram's timeout;
 * polling: the loop retries it).
 */
export const CHAT_LOCK_WAIT_MS = 8_000;
/** How long a claim on an update outlives its holder (renewed while it is handled). */
export const UPDATE_CLAIM_TTL_MS = 10_000;
/** How long a handled update is remembered, so that its twins are dropped. */
const DONE_TTL_MS = 86_400_000;

/**
 * KEYS: lock (ARGV[5] = "1" if the update has a chat), claim, flood counter (ARGV[6] = "1" if it has
 * a sender), state (ARGV[7] = "1" to read it). ARGV: token, lock ms, claim ms, flood window s.
 * Returns {"ok", count, state or false}, {"locked"}, {"done"} or {"busy"}.
 */
const BEGIN = `
if ARGV[5] == "1" and not redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") then return {"locked"} end
if not redis.call("set", KEYS[2], ARGV[1], "PX", ARGV[3], "NX") then
  if ARGV[5] == "1" then redis.call("del", KEYS[1]) end
  if redis.call("get", KEYS[2]) == "done" then return {"done"} end
  return {"busy"}
end
local count = 0
if ARGV[6] == "1" then
  count = redis.call("incr", KEYS[3])
  redis.call("expire", KEYS[3], ARGV[4], "NX")
end
local state = false
if ARGV[7] == "1" then state = redis.call("get", KEYS[4]) end
return {"ok", count, state}`;
/**
 * KEYS: lock, claim, state. ARGV: token, "done" or "release", done ms, "keep", "set" or "delete" the
 * state, its value, its lifetime s. Only what is still ours is touched: the state is saved with
 * "done" and only while the chat's lock is ours. Returns 0 when a state was to be saved and was not.
 */
const END = `
local locked = redis.call("get", KEYS[1]) == ARGV[1]
local saved = 1
if ARGV[2] == "done" and ARGV[4] ~= "keep" then
  if not locked then saved = 0
  elseif ARGV[4] == "set" then redis.call("set", KEYS[3], ARGV[5], "EX", ARGV[6])
  else redis.call("del", KEYS[3]) end
end
if redis.call("get", KEYS[2]) == ARGV[1] then
  if ARGV[2] == "done" then redis.call("set", KEYS[2], "done", "PX", ARGV[3]) else redis.call("del", KEYS[2]) end
end
if locked then redis.call("del", KEYS[1]) end
return saved`;
/** KEYS: lock, claim. ARGV: token, lock ms, claim ms. */
const RENEW = `
if redis.call("get", KEYS[1]) == ARGV[1] then redis.call("pexpire", KEYS[1], ARGV[2]) end
if redis.call("get", KEYS[2]) == ARGV[1] then redis.call("pexpire", KEYS[2], ARGV[3]) end
return 1`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    matiUpdateBegin(lock: string, claim: string, flood: string, state: string, ...args: (string | number)[]): Result<[string, number?, (string | null)?], Context>;
    matiUpdateEnd(lock: string, claim: string, state: string, ...args: (string | number)[]): Result<number, Context>;
    matiUpdateRenew(lock: string, claim: string, token: string, lockMs: number, claimMs: number): Result<number, Context>;
  }
}

/** Updates from this sender within the current flood window, this one included (undefined: no sender). */
const floodCounts = new WeakMap<MatiContext, number>();
export function recentUpdatesFrom(ctx: MatiContext): number | undefined {
  return floodCounts.get(ctx);
}

/** The chat's state during an update: as read at the gate, or as the update last set it; and whether it did. */
const chatStates = new WeakMap<MatiContext, { raw: string | null; changed: boolean }>();

/** The chat's state as this update sees it (null: none); undefined when the update has no state key. */
export function chatStateOf(ctx: MatiContext): string | null | undefined {
  return chatStates.get(ctx)?.raw;
}

/**
 * Sets the chat's state (null: deletes it) for the gate to save on the way
 * out, with the update's "done", in the same script: a state is saved
 * exactly when its update counts as handled. False when the update has no
 * state key (no chat): nothing is kept.
 */
export function setChatState(ctx: MatiContext, raw: string | null): boolean {
  const state = chatStates.get(ctx);
  if (!state) return false;
  state.raw = raw;
  state.changed = true;
  return true;
}

export interface UpdateGateOptions {
  floodWindowSeconds: number;
  lockTtlMs?: number;
  lockWaitMs?: number;
  claimTtlMs?: number;
  /** The Redis key of the chat's state, read with the lock held and saved on the way out (chatStateOf, setChatState), if it has one. */
  stateKey?: (ctx: MatiContext) => string | undefined;
  /** How long a saved state lives without being touched (default a week: a conversation left that long is dropped). */
  stateTtlSeconds?: number;
}

export function updateGate(redis: Redis, prefix: string, log: Logger, options: UpdateGateOptions): Middleware<MatiContext> {
  const lockMs = options.lockTtlMs ?? CHAT_LOCK_TTL_MS;
  const waitMs = options.lockWaitMs ?? CHAT_LOCK_WAIT_MS;
  const claimMs = options.claimTtlMs ?? UPDATE_CLAIM_TTL_MS;
  const stateTtl = options.stateTtlSeconds ?? 7 * 86_400;
  // Scripts are sent once and then called by their SHA (EVALSHA).
  redis.defineCommand("matiUpdateBegin", { numberOfKeys: 4, lua: BEGIN });
  redis.defineCommand("matiUpdateEnd", { numberOfKeys: 3, lua: END });
  redis.defineCommand("matiUpdateRenew", { numberOfKeys: 2, lua: RENEW });
  return async (ctx, next) => {
    const chatId = ctx.chatId;
    const sender = ctx.from?.id;
    const lock = `${prefix}:chat-lock:${chatId ?? "none"}`;
    const claim = `${prefix}:update:${ctx.update.update_id}`;
    // A hash, not the Telegram id: Redis then holds nothing that names the person (/forget).
    const flood = sender === undefined ? `${prefix}:flood:none` : `${prefix}:flood:${createHash("sha256").update(String(sender)).digest("base64url").slice(0, 16)}`;
    const stateKey = options.stateKey?.(ctx);
    const token = randomBytes(9).toString("base64url");
    const args = [token, lockMs, claimMs, options.floodWindowSeconds, chatId === undefined ? "0" : "1", sender === undefined ? "0" : "1", stateKey === undefined ? "0" : "1"];
    const stateKeyOrNone = stateKey ?? `${prefix}:state:none`;
    const keys = [lock, claim, flood, stateKeyOrNone] as const;

    // The chat's lock is normally free; held by another instance, wait for it with a growing pause.
    const deadline = Date.now() + waitMs;
    let pause = 5;
    let answer = await redis.matiUpdateBegin(...keys, ...args);
    while (answer[0] === "locked") {
      if (Date.now() >= deadline) throw new RetryLater(`chat ${chatId} is held elsewhere`);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 100);
      answer = await redis.matiUpdateBegin(...keys, ...args);
    }
    if (answer[0] === "done") return;
    if (answer[0] === "busy") {
      log.warn({ update_id: ctx.update.update_id }, "update deferred: another attempt is handling it; it will be handled again");
      throw new RetryLater(`update ${ctx.update.update_id} is being handled by another attempt`);
    }
    if (sender !== undefined) floodCounts.set(ctx, answer[1]!);
    if (stateKey !== undefined) chatStates.set(ctx, { raw: answer[2] ?? null, changed: false });

    const renewal = setInterval(() => {
      redis.matiUpdateRenew(lock, claim, token, lockMs, claimMs).catch(() => {});
    }, Math.max(50, Math.floor(Math.min(lockMs, claimMs) / 3)));
    renewal.unref();
    let outcome: "done" | "release" = "release";
    try {
      await next();
      outcome = "done";
    } finally {
      clearInterval(renewal);
      // What to do with the chat's state: only a handled update's change is saved.
      const left = outcome === "done" ? chatStates.get(ctx) : undefined;
      const save = !left?.changed ? { op: "keep", raw: "" } : left.raw === null ? { op: "delete", raw: "" } : { op: "set", raw: left.raw };
      try {
        const saved = await redis.matiUpdateEnd(lock, claim, stateKeyOrNone, token, outcome, DONE_TTL_MS, save.op, save.raw, stateTtl);
        if (!saved) log.warn({ update_id: ctx.update.update_id }, "chat state not saved: the chat's lock ran out while the update was handled");
      } catch (err) {
        // Redis gone: the lock and claim run out by themselves, and a lost "done" only risks a
        // redelivery. A lost state would put the conversation a step behind what the person saw:
        // the update is then handled again, from the state it found.
        if (save.op !== "keep") throw err;
      }
    }
  };
}
