import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema/index.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, type Harness } from "../../support/harness.js";

const env = useTestEnvironment();
let h: Harness;
beforeAll(async () => {
  h = await createHarness(env);
});
afterAll(() => h.close());

describe("/start and the language choice", () => {
  it("greets in both languages and offers ខ្មែរ / English", async () => {
    const sokha = h.person({ first_name: "Sokha", language_code: "km" });
    await sokha.send("/start");
    expect(sokha.last().text).toContain("សូមស្វាគមន៍");
    expect(sokha.last().text).toContain("Welcome to Mati");
    expect(sokha.buttons()).toEqual(["ខ្មែរ", "English"]);
  });

  it("saves the choice and answers in that language from then on", async () => {
    const dara = h.person({ first_name: "Dara", language_code: "km" });
    await dara.send("/start");
    await dara.press("English");
    const greeting = dara.messages().at(-2)!;
    expect(greeting.text).toContain("Mati will speak to you in English");
    expect(greeting.buttons).toEqual([]);
    const [row] = await env.db.select().from(users).where(eq(users.telegramId, dara.id));
    expect(row?.language).toBe("en");

    await dara.send("/help");
    expect(dara.last().text).toContain("What Mati can do");
  });

  it("answers /help in Khmer for a Khmer speaker", async () => {
    const srey = h.person({ first_name: "Srey", language_code: "en" });
    await srey.send("/start");
    await srey.press("ខ្មែរ");
    await srey.send("/help");
    expect(srey.last().text).toContain("អ្វីដែល មតិ អាចជួយអ្នកបាន");
  });

  it("/language changes the language again", async () => {
    const vanna = h.person({ language_code: "km" });
    await vanna.send("/start");
    await vanna.press("ខ្មែរ");
    await vanna.send("/language");
    await vanna.press("English");
    await vanna.send("/help");
    expect(vanna.last().text).toContain("What Mati can do");
  });

  it("answers every button press, including a forged one", async () => {
    const chan = h.person();
    await chan.send("/start");
    await chan.pressData("lang:fr");
    await chan.pressData("x".repeat(64));
    const answers = h.fake.callsTo("answerCallbackQuery").slice(-2);
    expect(answers).toHaveLength(2);
    expect(chan.toasts().at(-1)).toBe("ប៊ូតុងនេះហួសសុពលភាពហើយ។");
  });

  it("ignores the same update delivered twice", async () => {
    const kosal = h.person();
    const update = h.fake.messageFrom(kosal.user, kosal.chat, { text: "/start" });
    await h.deliver(update);
    await h.deliver(update);
    expect(kosal.messages()).toHaveLength(1);
  });
});
