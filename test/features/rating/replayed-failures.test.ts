/**
 * Conversations v2 replays every recorded Bot API answer on each later step.
 * A 429 Telegram gave in the middle of a rating (a broadcast was using up the
 * bot's rate, say) must be waited out once: before the fix, auto-retry slept
 * its retry_after again at every step after it, and the 429 counter counted it
 * again each time. Likewise a call cut on the network (a flaky link from the
 * server to Telegram): auto-retry's backoff (3 s) was slept again at every
 * later step.
 */
import { describe, expect, it } from "vitest";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { returningCitizen } from "../../support/onboarding.js";
import { useHarness } from "../../support/harness.js";

const env = useTestEnvironment();
const h = useHarness(env);

async function telegram429s(): Promise<number> {
  const values = (await h.app.metrics.registry.getSingleMetric("mati_telegram_429_total")!.get()).values;
  return values.reduce((n, v) => n + v.value, 0);
}

describe("a 429 in the middle of a rating", () => {
  it("is waited out once, not again at each later step, and counted once", async () => {
    const p = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    await p.send("/rate");
    await p.press("Health centre");
    await p.press(/Skip/);
    const before = await telegram429s();
    h.fake.failNext("editMessageText", 429, "Too Many Requests: retry after 1", 1, 1);
    let started = performance.now();
    await p.press(/^😀/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(p.last().text).toContain("3/8");
    for (const [face, step] of [["🙂", "4/8"], ["😐", "5/8"], ["🙁", "6/8"]] as const) {
      started = performance.now();
      await p.press(new RegExp(`^${face}`));
      expect(performance.now() - started).toBeLessThan(700);
      expect(p.last().text).toContain(step);
    }
    expect((await telegram429s()) - before).toBe(1);
  });
});

describe("a call cut on the network in the middle of a rating", () => {
  it("is retried after auto-retry's backoff once, not again at each later step", async () => {
    const p = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    await p.send("/rate");
    await p.press("Health centre");
    await p.press(/Skip/);
    h.fake.dropNext("editMessageText");
    let started = performance.now();
    await p.press(/^😀/);
    // auto-retry waits 3 s before its first retry of a network failure.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2900);
    expect(p.last().text).toContain("3/8");
    for (const [face, step] of [["🙂", "4/8"], ["😐", "5/8"], ["🙁", "6/8"]] as const) {
      started = performance.now();
      await p.press(new RegExp(`^${face}`));
      expect(performance.now() - started).toBeLessThan(1500);
      expect(p.last().text).toContain(step);
    }
  });
});
