import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { eventually } from "../support/harness.js";
import { freePort } from "../support/process.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
const secret = "s3cret-token-for-the-webhook";
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
let app: App;
let hookUrl: string;

beforeAll(async () => {
  api = await fake.listen();
  const port = await freePort();
  hookUrl = `http://127.0.0.1:${port}/telegram/hook`;
  app = await createApp(env.config({ TELEGRAM_API_ROOT: api.apiRoot, WEBHOOK_URL: hookUrl, WEBHOOK_SECRET: secret, PORT: String(port) }));
  await app.start();
});
afterAll(async () => {
  await app.stop();
  await api.close();
});

const post = (body: unknown, token?: string) =>
  fetch(hookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { "X-Telegram-Bot-Api-Secret-Token": token } : {}) },
    body: JSON.stringify(body),
  });

describe("webhook mode", () => {
  it("registers the webhook with its secret instead of polling", () => {
    expect(fake.webhook).toEqual({ url: hookUrl, secret });
    expect(fake.callsTo("getUpdates")).toHaveLength(0);
  });

  it("rejects requests without the right secret token and handles none of them", async () => {
    const user = fake.newUser();
    const chat = fake.addPrivateChat(user);
    expect((await post(fake.messageFrom(user, chat, { text: "/start" }))).status).toBe(401);
    expect((await post(fake.messageFrom(user, chat, { text: "/start" }), "wrong-token-wrong-token")).status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.chatMessages(chat.id)).toHaveLength(0);
  });

  it("handles an update sent with the secret, once even when Telegram delivers it twice", async () => {
    const user = fake.newUser();
    const chat = fake.addPrivateChat(user);
    const update = fake.messageFrom(user, chat, { text: "/start" });
    expect((await post(update, secret)).status).toBe(200);
    expect((await post(update, secret)).status).toBe(200);
    await eventually(() => expect(fake.chatMessages(chat.id).filter((m) => m.raw.from?.is_bot)).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.chatMessages(chat.id).filter((m) => m.raw.from?.is_bot)).toHaveLength(1);
  });
});
