import { describe, expect, it } from "vitest";
import { useTestEnvironment } from "../support/env.js";
import { useHarness } from "../support/harness.js";
import { communes } from "../support/areas.js";
import { returningCitizen } from "../support/onboarding.js";
import { userRow } from "../support/people.js";

const env = useTestEnvironment();
const h = useHarness(env, { overrides: { FLOOD_LIMIT_PER_MINUTE: "3" } });

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

describe("the flood guard protects the database", () => {
  it("drops a flood before the person is loaded: no handler runs, nothing is written, every press is answered", async () => {
    // Chose Khmer earlier; Telegram says English: the notice follows the choice.
    const flooder = await returningCitizen(h, env.db, { lang: "km", communeCode: communes.taPhou, first_name: "Name 1" });
    const as = (n: number) => ({ ...flooder.user, first_name: `Name ${n}`, language_code: "en" });
    for (let n = 1; n <= 3; n++) await h.deliver(h.fake.messageFrom(as(n), flooder.chat, { text: "/help" }));
    const menu = flooder.last();
    const startedBefore = await conversationsStarted();
    const pressIds: string[] = [];
    for (let n = 4; n <= 12; n++) {
      // Each flooded update carries a new name: had it reached the user loader, the row would follow it.
      const update = n % 2 ? h.fake.messageFrom(as(n), flooder.chat, { text: "/rate" }) : h.fake.callbackFrom(as(n), menu, "menu:rate");
      if (update.callback_query) pressIds.push(update.callback_query.id);
      await h.deliver(update);
    }
    expect(flooder.messages().map((m) => m.text).slice(3)).toEqual(["អ្នកផ្ញើសារលឿនពេក។ សូមរង់ចាំបន្តិចសិន។"]);
    expect((await userRow(env, flooder.id)).firstName).toBe("Name 3");
    expect(await conversationsStarted()).toBe(startedBefore);
    const answered = new Set(h.fake.callsTo("answerCallbackQuery").map((c) => c.params.callback_query_id));
    expect(pressIds.filter((id) => !answered.has(id))).toEqual([]);
  });
});

async function conversationsStarted(): Promise<number> {
  const values = (await h.app.metrics.registry.getSingleMetric("mati_conversations_total")!.get()).values;
  return values.filter((v) => v.labels.event === "started").reduce((n, v) => n + v.value, 0);
}
