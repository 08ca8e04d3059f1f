/**
 * Over HTTP against the local Bot API stand-in, which answers 429 with
 * retry_after beyond its rate (here lower than ours, as when Telegram is
 * stricter than configured): the queue waits, nothing is lost or doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../../src/app.js";
import { users } from "../../../src/db/schema/index.js";
import { broadcastSummary, startBroadcast } from "../../../src/features/broadcast/engine.js";
import { useTestEnvironment } from "../../support/env.js";
import { FakeTelegram, testBotInfo } from "../../support/fake-telegram.js";
import { eventually } from "../../support/harness.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
let app: App;
const N = 40;
const chatIds: number[] = [];

beforeAll(async () => {
  api = await fake.listen();
  for (let i = 0; i < N; i++) {
    const user = fake.newUser();
    fake.addPrivateChat(user);
    chatIds.push(user.id);
  }
  await env.db.insert(users).values(chatIds.map((id) => ({ telegramId: id, language: "km" as const })));
  app = await createApp(env.config({ TELEGRAM_API_ROOT: api.apiRoot, BROADCAST_RATE_PER_SECOND: "25" }), { botInfo: testBotInfo });
  app.startWorkers();
});
afterAll(async () => {
  await app?.stop();
  await api?.close();
});

describe("a broadcast over HTTP when Telegram answers 429", () => {
  it("waits retry_after as a queue and delivers every message exactly once", async () => {
    fake.rateLimitPerSecond = 10;
    fake.retryAfterSeconds = 1;
    const deps = { config: env.config(), db: app.db, redis: app.redis, queues: app.queues, log: app.log };
    const b = await startBroadcast(deps, { kind: "announcement", content: { km: { text: "ល្បឿន" }, en: { text: "pace" } }, audience: { kind: "citizens", areaCodes: [] } });
    const summary = await eventually(async () => {
      const s = await broadcastSummary(env.db, b.id);
      expect(s!.pending).toBe(0);
      return s!;
    }, 20_000);
    expect(summary).toMatchObject({ total: N, sent: N, failed: 0, blocked: 0 });
    expect(fake.count429).toBeGreaterThan(0);
    for (const chatId of chatIds) expect(fake.chatMessages(chatId).filter((m) => m.text === "ល្បឿន")).toHaveLength(1);
  }, 30_000);
});
