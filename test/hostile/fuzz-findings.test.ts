/** What the fuzz found, one test each (the fuzz itself: fuzz.test.ts). */
import type { Message } from "grammy/types";
import { describe, expect, it } from "vitest";
import { useTestEnvironment } from "../support/env.js";
import { useHarness } from "../support/harness.js";
import { communes } from "../support/areas.js";
import { returningCitizen } from "../support/onboarding.js";

const env = useTestEnvironment();
const h = useHarness(env);
const apology = "Sorry, something went wrong. Please try again in a moment.";

describe("buttons pressed twice or on messages out of reach", () => {
  it("a second press of the same menu or settings button changes nothing and is no error", async () => {
    const p = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    await p.send("/menu");
    const menu = p.last();
    await p.pressData("menu:settings", menu);
    await p.pressData("menu:settings", menu);
    await p.pressData("st:lang", menu);
    await p.pressData("st:lang", menu);
    await p.pressData("menu:help", menu);
    await p.pressData("menu:help", menu);
    expect(p.messages().map((m) => m.text)).not.toContain(apology);
    expect(p.messages()).toHaveLength(1);
    expect(p.last().text).toContain("What Mati can do for you");
  });

  it("a press on a message the bot can no longer edit gets its screen as a new message", async () => {
    const p = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    // Telegram's InaccessibleMessage: the message was deleted or is out of the bot's reach.
    const gone = { message_id: 4242, date: 0, chat: p.chat } as unknown as Message;
    for (const data of ["menu:help", "menu:home", "menu:settings", "fg:n"]) {
      await h.deliver(h.fake.callbackFrom(p.user, { message_id: 4242, chatId: p.chat.id, text: "", buttons: [], kind: "other", raw: gone, edits: 0 }, data));
    }
    const texts = p.messages().map((m) => m.text);
    expect(texts).not.toContain(apology);
    expect(texts).toHaveLength(4);
    expect(texts[0]).toContain("What Mati can do for you");
    expect(texts[1]).toBe("🏠 What would you like to do?");
    expect(texts[2]).toContain("⚙️ Settings");
    expect(p.messages()[2]!.buttons.flat().map((b) => b.data)).toContain("st:lang");
    expect(texts[3]).toBe("👍 Nothing was erased.");
  });
});
