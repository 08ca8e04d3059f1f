/**
 * Long polling over HTTP against the local Bot API: an update is confirmed
 * (a getUpdates offset past it) only once it has been handled, one slow chat
 * holds up no other, and one chat's updates are handled in the order sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { users } from "../../src/db/schema/index.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { eventually } from "../support/harness.js";
import { wirePerson } from "../support/wire.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
let app: App;

beforeAll(async () => {
  api = await fake.listen();
  app = await createApp(env.config({ TELEGRAM_API_ROOT: api.apiRoot, ROLE: "bot" }));
  await app.start();
  await eventually(() => expect(fake.callsTo("getUpdates").length).toBeGreaterThan(0));
});
afterAll(async () => {
  await app.stop();
  await api.close();
});

async function onboardedPerson() {
  const p = wirePerson(fake, fake.newUser({ language_code: "en" }));
  await env.db.insert(users).values({ telegramId: p.id, firstName: "Test", language: "en", consentedAt: new Date(), onboardedAt: new Date() });
  return p;
}

describe("long polling", () => {
  it("confirms an update only after it is handled", async () => {
    const p = wirePerson(fake, fake.newUser({ language_code: "en" }));
    fake.latency.set("sendMessage", 1_000);
    const update = fake.messageFrom(p.user, p.chat, { text: "/start" });
    fake.enqueueUpdate(update);
    await eventually(() => expect(fake.callsTo("sendMessage").some((c) => Number(c.params.chat_id) === p.id)).toBe(true));
    // The answer is on its way: a crash now must not lose the update.
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.confirmedOffset).toBeLessThanOrEqual(update.update_id);
    fake.latency.delete("sendMessage");
    await eventually(() => expect(fake.confirmedOffset).toBeGreaterThan(update.update_id), 5_000);
    expect(p.messages()).toHaveLength(1);
  });

  it("lets other chats through while one chat's update is slow", async () => {
    const slow = await onboardedPerson();
    await slow.send("/menu");
    fake.latency.set("editMessageText", 3_000);
    const press = fake.callbackFrom(slow.user, slow.last(), "menu:help");
    fake.enqueueUpdate(press);
    await eventually(() => expect(fake.callsTo("editMessageText").length).toBeGreaterThan(0));
    const quick = wirePerson(fake, fake.newUser({ language_code: "en" }));
    const startedAt = Date.now();
    fake.enqueueUpdate(fake.messageFrom(quick.user, quick.chat, { text: "/start" }));
    // Answered at once, though it cannot be confirmed before the slow one (the offset is the oldest unfinished).
    await eventually(() => expect(quick.messages()).toHaveLength(1), 2_500, 10);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    // The slow one is handled too, and only then confirmed.
    expect(fake.confirmedOffset).toBeLessThanOrEqual(press.update_id);
    fake.latency.delete("editMessageText");
    await eventually(() => expect(fake.confirmedOffset).toBeGreaterThan(press.update_id), 6_000);
  });

  it("handles one chat's updates in the order they were sent", async () => {
    const p = await onboardedPerson();
    fake.latency.set("sendMessage", 50);
    for (const text of ["/help", "/privacy", "/help"]) fake.enqueueUpdate(fake.messageFrom(p.user, p.chat, { text }));
    fake.latency.delete("sendMessage");
    await eventually(() => expect(p.messages()).toHaveLength(3));
    const [help, privacy, again] = p.messages().map((m) => m.text);
    expect(help).toBe(again);
    expect(privacy).not.toBe(help);
  });
});
