import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { users } from "../../src/db/schema/index.js";
import { createLogger } from "../../src/log.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram, testBotInfo } from "../support/fake-telegram.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
const logLines: Record<string, unknown>[] = [];
let app: App;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).trim().split("\n")) logLines.push(JSON.parse(line));
      done();
    },
  });
  app = await createApp(env.config(), { botInfo: testBotInfo, client: { fetch: fake.fetch as never }, log: createLogger("info", sink) });
});
afterAll(() => app.stop());

describe("the error boundary", () => {
  it("turns an unexpected failure into a short apology in the person's language, answers the button, and logs the update id", async () => {
    // Someone who finished onboarding earlier opens the menu…
    const user = fake.newUser({ language_code: "en" });
    const chat = fake.addPrivateChat(user);
    await env.db.insert(users).values({ telegramId: user.id, firstName: user.first_name, language: "en", consentedAt: new Date(), onboardedAt: new Date() });
    await app.bot.handleUpdate(fake.messageFrom(user, chat, { text: "/menu" }));
    const menu = fake.chatMessages(chat.id).filter((m) => m.raw.from?.is_bot).at(-1)!;
    // …and Telegram refuses the next edit for a reason the bot did not foresee.
    fake.failNext("editMessageText", 400, "Bad Request: can't parse entities: unexpected end tag");
    const press = fake.callbackFrom(user, menu, "menu:help");
    await app.bot.handleUpdate(press);

    const replies = fake.chatMessages(chat.id).filter((m) => m.raw.from?.is_bot);
    expect(replies.at(-1)?.text).toBe("Sorry, something went wrong. Please try again in a moment.");
    expect(fake.callsTo("answerCallbackQuery").map((c) => c.params.callback_query_id)).toContain(press.callback_query!.id);
    const failure = logLines.find((l) => l.msg === "update failed");
    expect(failure).toMatchObject({ update_id: press.update_id, chat: "private", user: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });
    expect(failure).not.toHaveProperty("chat_id");
    expect(JSON.stringify(failure)).toContain("can't parse entities");
    // Every update gets one log line with its duration.
    expect(logLines.filter((l) => l.msg === "update" && l.update_id === press.update_id)).toEqual([
      expect.objectContaining({ type: "callback_query", failed: true, ms: expect.any(Number), user: failure!.user }),
    ]);
    // The person is named by a keyed hash: the Telegram id (also the private chat's id) is in no line.
    expect(JSON.stringify(logLines)).not.toContain(String(user.id));
  });

  it("still does what a button says when Telegram no longer takes its answer (handled late, after an outage)", async () => {
    const user = fake.newUser({ language_code: "en" });
    const chat = fake.addPrivateChat(user);
    await env.db.insert(users).values({ telegramId: user.id, firstName: user.first_name, language: "en", consentedAt: new Date(), onboardedAt: new Date() });
    await app.bot.handleUpdate(fake.messageFrom(user, chat, { text: "/menu" }));
    const menu = fake.chatMessages(chat.id).filter((m) => m.raw.from?.is_bot).at(-1)!;
    fake.failNext("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
    await app.bot.handleUpdate(fake.callbackFrom(user, menu, "menu:help"));
    const shown = fake.chatMessages(chat.id).filter((m) => m.raw.from?.is_bot);
    expect(shown.at(-1)!.text).not.toContain("Sorry, something went wrong");
    expect(shown.at(-1)!.message_id).toBe(menu.message_id);
    expect(shown.at(-1)!.text).toContain("What Mati can do for you");
  });

  it("keeps personal data out of the logs (ids only)", () => {
    const text = JSON.stringify(logLines);
    expect(text).not.toMatch(/first_name|username|"text"/);
  });
});
