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

/**
 * A rating up to its second question; `fail` breaks the next step's edit (it must take at
 * least `failedStepMs`), then the three steps after it must each take less than `laterStepMs`.
 */
async function rateThroughAFailure(fail: () => void, failedStepMs: number, laterStepMs: number): Promise<void> {
  const p = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
  await p.send("/rate");
  await p.press("Health centre");
  await p.press(/Skip/);
  fail();
  let started = performance.now();
  await p.press(/^😀/);
  expect(performance.now() - started).toBeGreaterThanOrEqual(failedStepMs);
  expect(p.last().text).toContain("3/8");
  for (const [face, step] of [["🙂", "4/8"], ["😐", "5/8"], ["🙁", "6/8"]] as const) {
    started = performance.now();
    await p.press(new RegExp(`^${face}`));
    expect(performance.now() - started).toBeLessThan(laterStepMs);
    expect(p.last().text).toContain(step);
  }
}

describe("a 429 in the middle of a rating", () => {
  it("is waited out once, not again at each later step, and counted once", async () => {
    const before = await telegram429s();
    await rateThroughAFailure(() => h.fake.failNext("editMessageText", 429, "Too Many Requests: retry after 1", 1, 1), 950, 700);
    expect((await telegram429s()) - before).toBe(1);
  });
});

describe("a call cut on the network in the middle of a rating", () => {
  it("is retried after auto-retry's backoff once, not again at each later step", async () => {
    // auto-retry waits 3 s before its first retry of a network failure.
    await rateThroughAFailure(() => h.fake.dropNext("editMessageText"), 2900, 1500);
  });
});
