/** The broadcast settings: defaults, the free-rate ceiling, and the limiter's short windows. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.js";
import { broadcastWorkerSettings, chatsPerSendJob, smoothLimiter } from "../../../src/features/broadcast/engine.js";
import { TEST_TOKEN } from "../../support/fake-telegram.js";

describe("broadcast configuration", () => {
  it("defaults to 25 messages a second without paid broadcasts", () => {
    const config = loadConfig({ BOT_TOKEN: TEST_TOKEN });
    expect(config.BROADCAST_RATE_PER_SECOND).toBe(25);
    expect(config.BROADCAST_ALLOW_PAID).toBe(false);
  });

  it("refuses rates above Telegram's free 30/s unless paid broadcasts are allowed, and above 1000 at all", () => {
    expect(() => loadConfig({ BOT_TOKEN: TEST_TOKEN, BROADCAST_RATE_PER_SECOND: "100" })).toThrow(/BROADCAST_ALLOW_PAID=true/);
    expect(loadConfig({ BOT_TOKEN: TEST_TOKEN, BROADCAST_RATE_PER_SECOND: "1000", BROADCAST_ALLOW_PAID: "true" }).BROADCAST_RATE_PER_SECOND).toBe(1000);
    const err = (() => {
      try {
        loadConfig({ BOT_TOKEN: TEST_TOKEN, BROADCAST_RATE_PER_SECOND: "5000", BROADCAST_ALLOW_PAID: "yes" });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.problems.some((p) => p.startsWith("BROADCAST_RATE_PER_SECOND"))).toBe(true);
    expect(err?.problems.some((p) => p.startsWith("BROADCAST_ALLOW_PAID: must be true or false"))).toBe(true);
  });

  it("spreads the rate over 200 ms windows (no one-second bursts)", () => {
    expect(smoothLimiter(25)).toEqual({ max: 5, duration: 200 });
    expect(smoothLimiter(1000)).toEqual({ max: 200, duration: 200 });
    expect(smoothLimiter(7)).toEqual({ max: 7, duration: 1000 });
  });

  it("groups a few chats per send job, more at higher rates, with enough jobs in flight for the rate", () => {
    expect([1, 25, 30, 100, 1000].map(chatsPerSendJob)).toEqual([1, 2, 2, 5, 50]);
    const paid = broadcastWorkerSettings(loadConfig({ BOT_TOKEN: TEST_TOKEN, BROADCAST_RATE_PER_SECOND: "1000", BROADCAST_ALLOW_PAID: "true" }));
    // 250 sends in flight as 5 jobs of 50; BullMQ's ceiling a quarter above the rate (25 jobs/s, in 200 ms windows).
    expect(paid).toEqual({ concurrency: 5, limiter: { max: 5, duration: 200 } });
    const free = broadcastWorkerSettings(loadConfig({ BOT_TOKEN: TEST_TOKEN }));
    expect(free.concurrency * chatsPerSendJob(25)).toBeGreaterThanOrEqual(10);
  });
});
