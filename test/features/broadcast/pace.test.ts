/**
 * The shared send pace (Redis): slots evenly spaced at the rate across all
 * callers, one chat paced on its own, and a 429's hold.
 */
import { describe, expect, it } from "vitest";
import { holdSends, takeSendSlot } from "../../../src/features/broadcast/pace.js";
import { useTestEnvironment } from "../../support/env.js";

const env = useTestEnvironment();
let prefixes = 0;
const freshPrefix = () => `${env.redisPrefix}:p${++prefixes}`;

async function slotTimes(prefix: string, chats: number[], rate: number): Promise<number[]> {
  const t0 = performance.now();
  return Promise.all(chats.map(async (chat) => (await takeSendSlot(env.redis, prefix, chat, rate), performance.now() - t0)));
}

describe("send slots", () => {
  it("space 40 sends to different chats 1/rate apart: never more than the rate in any second's share", async () => {
    const rate = 100; // one slot every 10 ms
    const times = (await slotTimes(freshPrefix(), Array.from({ length: 40 }, (_, i) => 1_000 + i), rate)).sort((a, b) => a - b);
    // 40 slots at 10 ms take about 390 ms, not one burst.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(350);
    // In any 200 ms window at most 20 slots, give or take the window's edge and the timers'
    // lateness on a busy machine (a sleeper woken late sends together with the next one).
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 200).length).toBeLessThanOrEqual(23);
  });

  it("paces one chat on its own: a second message to the same person waits about a second, a group's three", async () => {
    const prefix = freshPrefix();
    const [first, second] = await slotTimes(prefix, [42, 42], 1000);
    expect(Math.abs(second! - first!)).toBeGreaterThanOrEqual(950);
    const [g1, g2] = await slotTimes(prefix, [-100, -100], 1000);
    expect(Math.abs(g2! - g1!)).toBeGreaterThanOrEqual(2_900);
  }, 10_000);

  it("a chat busy beyond the longest wait is refused (the job retries later)", async () => {
    const prefix = freshPrefix();
    await takeSendSlot(env.redis, prefix, -200, 1000);
    await expect(takeSendSlot(env.redis, prefix, -200, 1000, 500)).rejects.toThrow(/busy/);
  });

  it("after a 429's hold no slot is handed out before it ends", async () => {
    const prefix = freshPrefix();
    await holdSends(env.redis, prefix, 600);
    const [t] = await slotTimes(prefix, [7], 1000);
    expect(t).toBeGreaterThanOrEqual(550);
  });
});
