/**
 * Mati as users start it (`npm start`: the build, then `node dist/main.js`):
 * a real process, long polling a local Bot API over HTTP, restarted and
 * stopped with signals.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema/index.js";
import { seedSmallGazetteer } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram, TEST_TOKEN } from "../support/fake-telegram.js";
import { eventually } from "../support/harness.js";
import { buildMati, freePort, settingsFor, startMati, startMatiFor, type MatiProcess } from "../support/process.js";
import { redisUrl } from "../support/urls.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
/** Every process a test started: killed at the end even when a test failed halfway. */
const started: MatiProcess[] = [];
const track = (mati: MatiProcess) => (started.push(mati), mati);

beforeAll(async () => {
  buildMati();
  await seedSmallGazetteer(env.db);
  api = await fake.listen();
}, 120_000);
afterAll(async () => {
  for (const mati of started) mati.child.kill("SIGKILL");
  await api.close();
});

async function start(): Promise<MatiProcess> {
  return track(await startMatiFor({ ...env, redisUrl: redisUrl(), apiRoot: api.apiRoot }, {}, 20_000, { compiled: true }));
}

const botMessages = (chatId: number) => fake.chatMessages(chatId).filter((m) => m.raw.from?.is_bot);

describe("npm start against a local Bot API", () => {
  const user = fake.newUser({ first_name: "Bopha", language_code: "km" });
  const chat = fake.addPrivateChat(user);

  it("polls, answers /start with the language choice, and saves the choice", async () => {
    const mati = await start();
    await eventually(() => expect(fake.callsTo("getUpdates").length).toBeGreaterThan(0));
    expect(fake.callsTo("setMyCommands").map((c) => c.params.language_code ?? "default")).toEqual(["km", "default", "km", "default"]);

    fake.enqueueUpdate(fake.messageFrom(user, chat, { text: "/start" }));
    const greeting = await eventually(() => {
      const [first] = botMessages(chat.id);
      expect(first?.buttons.flat().map((b) => b.text)).toEqual(["ខ្មែរ", "English"]);
      return first!;
    });
    fake.enqueueUpdate(fake.callbackFrom(user, greeting, "o:lang:en"));
    await eventually(async () => {
      const [row] = await env.db.select().from(users).where(eq(users.telegramId, user.id));
      expect(row?.language).toBe("en");
    });

    mati.child.kill("SIGTERM");
    expect(await mati.exited).toEqual({ code: 0, signal: null });
  });

  it("after a restart, remembers the choice and goes on with the same onboarding step", async () => {
    const mati = await start();
    // The privacy notice was on screen when the first process stopped.
    const notice = botMessages(chat.id).at(-1)!;
    expect(notice.text).toContain("Before we start, in plain words");
    fake.enqueueUpdate(fake.callbackFrom(user, notice, "o:ok:y"));
    await eventually(async () => {
      const [row] = await env.db.select().from(users).where(eq(users.telegramId, user.id));
      expect(row?.consentedAt).toBeInstanceOf(Date);
    });
    // Next: where they live, in English, on the same message.
    await eventually(() => expect(botMessages(chat.id).at(-1)?.buttons.flat().map((b) => b.text)).toContain("Banteay Meanchey"));
    expect(botMessages(chat.id).at(-1)?.message_id).toBe(notice.message_id);
    mati.child.kill("SIGTERM");
    expect((await mati.exited).code).toBe(0);
  });

  it("on SIGTERM finishes the reply in flight, exits 0 within 10 s, and does not answer it twice after restart", async () => {
    const mati = await start();
    fake.latency.set("sendMessage", 1500);
    const newcomer = fake.newUser({ language_code: "km" });
    const newcomerChat = fake.addPrivateChat(newcomer);
    const sendsBefore = fake.callsTo("sendMessage").length;
    fake.enqueueUpdate(fake.messageFrom(newcomer, newcomerChat, { text: "/start" }));
    // The greeting is on its way (and will take 1.5 s) when the signal arrives.
    await eventually(() => expect(fake.callsTo("sendMessage").length).toBe(sendsBefore + 1));
    const stoppedAt = Date.now();
    mati.child.kill("SIGTERM");
    expect((await mati.exited).code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(botMessages(newcomerChat.id)).toHaveLength(1);
    fake.latency.delete("sendMessage");

    const again = await start();
    await eventually(() => expect(fake.callsTo("getUpdates").length).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 500));
    expect(botMessages(newcomerChat.id)).toHaveLength(1);
    again.child.kill("SIGTERM");
    expect((await again.exited).code).toBe(0);
  });
});

describe("npm start when Telegram does not answer as it should", () => {
  // Started without waiting for "mati started": these starts do not get that far at first, or at all.
  const target = (apiRoot: string) => ({ ...env, redisUrl: redisUrl(), apiRoot });

  it("out of reach: says why in the log (never the token), keeps trying, and polls once Telegram answers", async () => {
    const port = await freePort();
    const mati = track(startMati(await settingsFor(target(`http://127.0.0.1:${port}`)), { compiled: true }));
    await mati.waitForLog(/"reason":"ECONNREFUSED: connect ECONNREFUSED[^\n]*cannot reach Telegram yet/);
    // Telegram comes back where it was expected.
    const late = new FakeTelegram();
    const lateApi = await late.listen(port);
    try {
      await eventually(() => expect(late.callsTo("getUpdates").length).toBeGreaterThan(0), 40_000);
      expect(mati.output()).not.toContain(TEST_TOKEN.split(":")[1]!);
      mati.child.kill("SIGTERM");
      expect((await mati.exited).code).toBe(0);
    } finally {
      await lateApi.close();
    }
  }, 60_000);

  it("a token Telegram refuses ends the start with a plain message", async () => {
    const wrong = "123456789:WRONG-token-for-this-test";
    const mati = track(startMati(await settingsFor(target(api.apiRoot), { BOT_TOKEN: wrong }), { compiled: true }));
    expect((await mati.exited).code).toBe(1);
    expect(mati.output()).toContain("Telegram refused BOT_TOKEN (401 Unauthorized). Copy the token @BotFather gave you into BOT_TOKEN.");
    expect(mati.output()).not.toContain("WRONG-token");
  }, 30_000);
});
