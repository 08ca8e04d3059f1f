/**
 * Telegram's per-chat limits, shared by every worker: about one message a
 * second into one chat and at most 20 a minute into one group. BullMQ's
 * open-source limiter is per queue only, so this is a small Redis "virtual
 * scheduling" limiter (GCRA): each chat has a theoretical next-send time; a
 * send either takes the slot or learns how long to wait.
 */
import type { Redis } from "ioredis";

const script = `
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', key) or '0')
if tat > now then return tat - now end
redis.call('SET', key, now + interval, 'PX', interval)
return 0`;

/** Group chats have negative ids in the Bot API. */
export function chatInterval(chatId: number): number {
  return chatId < 0 ? 3_000 : 1_000;
}

/** Takes this chat's next send slot, waiting for it when another send was too recent. */
export async function waitForChatSlot(redis: Redis, prefix: string, chatId: number, maxWaitMs = 10_000): Promise<void> {
  const key = `${prefix}:pace:${chatId}`;
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const wait = Number(await redis.eval(script, 1, key, chatInterval(chatId)));
    if (wait <= 0) return;
    if (Date.now() + wait > deadline) throw new Error(`chat ${chatId} is busy; try later`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
