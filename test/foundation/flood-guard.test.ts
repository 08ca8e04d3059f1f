import { describe, expect, it } from "vitest";
import { useTestEnvironment } from "../support/env.js";
import { useHarness } from "../support/harness.js";

const env = useTestEnvironment();
const h = useHarness(env, { gazetteer: false, overrides: { FLOOD_LIMIT_PER_MINUTE: "3" } });

describe("the flood guard", () => {
  it("answers a flood with one polite notice and drops the rest, per person", async () => {
    const flooder = h.person({ language_code: "en" });
    for (let i = 0; i < 6; i++) await flooder.send("/help");
    const texts = flooder.messages().map((m) => m.text);
    expect(texts).toHaveLength(4);
    expect(texts.at(-1)).toBe("You are sending messages too fast. Please wait a moment.");

    const neighbour = h.person();
    await neighbour.send("/help");
    expect(neighbour.messages()).toHaveLength(1);
  });
});
