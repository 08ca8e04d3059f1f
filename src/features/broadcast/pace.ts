/**
 * Telegram's limits on mass messages, shared by every worker through Redis:
 * the bulk rate (about 30 a second, or up to 1,000 paid) and, per chat, about
 * one message a second and at most 20 a minute into a group.
 *
 * Both are "virtual scheduling" limiters (GCRA): a key holds the theoretical
 * time of the next send. Every send takes the next global slot, exactly
 * 1/rate after the one before, so sends leave evenly spaced and no one-second
 * window Telegram looks at ever holds more than the rate (BullMQ's own
 * limiter counts jobs per fixed window and lets a burst of a window's worth
 * through at the start of each). A chat that had a message too recently is
 * told to wait instead, without taking a global slot.
 */
import type { Redis } from "ioredis";

/**
 * KEYS: global, chat. ARGV: global interval (µs), chat interval (µs).
 * Returns {0, µs until the reserved slot} or {1, µs until the chat is free}.
 */
const takeSlotScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local chat = tonumber(redis.call('GET', KEYS[2]) or '0')
if chat > now then return {1, chat - now} end
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local global = tonumber(ARGV[1])
local chatInterval = tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%d', slot + global), 'PX', math.ceil((slot - now + global) / 1000) + 1000)
redis.call('SET', KEYS[2], string.format('%d', slot + chatInterval), 'PX', math.ceil((slot - now + chatInterval) / 1000) + 1)
return {0, slot - now}`;

/** KEYS: global. ARGV: pause (µs). No slot is handed out before now + pause. */
const holdScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < until_ then redis.call('SET', KEYS[1], string.format('%d', until_), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000) end
return 0`;

/** Group chats have negative ids in the Bot API. */
export function chatInterval(chatId: number): number {
  return chatId < 0 ? 3_000 : 1_000;
}

const globalKey = (prefix: string) => `${prefix}:pace:all`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the next send slot for `chatId` at `ratePerSecond` overall and waits
 * until its time. Throws when the chat stays busy longer than `maxWaitMs`
 * (the job is retried later rather than holding a worker).
 */
export async function takeSendSlot(redis: Redis, prefix: string, chatId: number, ratePerSecond: number, maxWaitMs = 10_000): Promise<void> {
  const chatKey = `${prefix}:pace:${chatId}`;
  const globalUs = Math.round(1_000_000 / ratePerSecond);
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const [busy, waitUs] = (await redis.eval(takeSlotScript, 2, globalKey(prefix), chatKey, globalUs, chatInterval(chatId) * 1000)) as [number, number];
    const waitMs = waitUs / 1000;
    if (!busy) {
      if (waitMs >= 1) await sleep(waitMs);
      return;
    }
    if (Date.now() + waitMs > deadline) throw new Error(`chat ${chatId} is busy; try later`);
    await sleep(waitMs);
  }
}

/** After a 429: no send slot is handed out for `ms` (sends already holding one are refused and retried). */
export async function holdSends(redis: Redis, prefix: string, ms: number): Promise<void> {
  await redis.eval(holdScript, 1, globalKey(prefix), Math.round(ms * 1000));
}
