/**
 * The worker process killed outright (SIGKILL) in the middle of a broadcast
 * to 300 people, and another started: everyone gets the message, and only a
 * message whose send was in flight at the moment of the kill can arrive
 * twice — the at-least-once window the delivery engine documents (its row is
 * left "sending" and is sent again once stale; at most the sends in flight:
 * the worker's concurrency times the chats of a send job).
 */
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { deliveries, users } from "../../src/db/schema/index.js";
import { broadcastSummary, broadcastWorkerSettings, chatsPerSendJob, startBroadcast } from "../../src/features/broadcast/engine.js";
import { seedSmallGazetteer } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { eventually } from "../support/harness.js";
import { startMatiFor, type MatiProcess } from "../support/process.js";
import { redisUrl } from "../support/urls.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
const N = 300;
const RATE = "20";
const text = "Forum on Saturday at the commune hall";
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
let app: App;
const workers: MatiProcess[] = [];
const chatIds: number[] = [];

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  for (let i = 0; i < N; i++) {
    const user = fake.newUser();
    fake.addPrivateChat(user);
    chatIds.push(user.id);
  }
  await env.db.insert(users).values(chatIds.map((id) => ({ telegramId: id, communeCode: "010806", language: "en" as const })));
  api = await fake.listen();
  // Only to start the broadcast, as the bot does when staff publish it.
  app = await createApp(env.config({ TELEGRAM_API_ROOT: api.apiRoot, ROLE: "bot" }));
});
afterAll(async () => {
  for (const w of workers) await w.hardKill();
  await app?.stop();
  await api.close();
});

async function startWorker(): Promise<MatiProcess> {
  const worker = await startMatiFor({ ...env, redisUrl: redisUrl(), apiRoot: api.apiRoot }, { ROLE: "worker", BROADCAST_RATE_PER_SECOND: RATE });
  workers.push(worker);
  return worker;
}

const received = (chatId: number) => fake.chatMessages(chatId).filter((m) => m.text === text).length;

describe("SIGKILL to the worker mid-broadcast", () => {
  it("a new worker finishes it: everyone gets the message, a second copy only where a send was in flight at the kill", async () => {
    const first = await startWorker();
    // Sends take a while, so that some are in flight when the kill comes.
    fake.latency.set("sendMessage", 150);
    const b = await startBroadcast(app.deps, { kind: "announcement", content: { km: { text }, en: { text } }, audience: { kind: "citizens", areaCodes: ["0108"] } });
    await eventually(() => expect(fake.callsTo("sendMessage").length).toBeGreaterThanOrEqual(80), 60_000);
    await first.hardKill();

    // What the kill left: rows claimed and never settled. Only these may be sent again.
    const sending = await env.db.select({ chatId: deliveries.chatId }).from(deliveries).where(and(eq(deliveries.broadcastId, b.id), eq(deliveries.status, "sending")));
    const inFlight = new Set(sending.map((r) => Number(r.chatId)));
    const config = env.config({ BROADCAST_RATE_PER_SECOND: RATE });
    expect(inFlight.size).toBeLessThanOrEqual(broadcastWorkerSettings(config).concurrency * chatsPerSendJob(config.BROADCAST_RATE_PER_SECOND));
    const sentBefore = (await broadcastSummary(env.db, b.id))!.sent;
    expect(sentBefore).toBeLessThan(N);

    await startWorker();
    // The rest goes at once; rows left "sending" wait until they are stale (45 s) and their jobs stalled (BullMQ, 30 s).
    const done = await eventually(async () => {
      const summary = (await broadcastSummary(env.db, b.id))!;
      expect(summary).toMatchObject({ sent: N, pending: 0 });
      return summary;
    }, 150_000, 500);
    expect(done).toMatchObject({ total: N, failed: 0, blocked: 0 });
    await new Promise((r) => setTimeout(r, 500)); // the stand-in applies a send after its latency

    const counts = chatIds.map((id) => ({ id, n: received(id) }));
    expect(counts.filter((c) => c.n === 0)).toEqual([]);
    const twice = counts.filter((c) => c.n > 1);
    expect(twice.every((c) => c.n === 2 && inFlight.has(c.id))).toBe(true);
    // Every delivery row ends "sent", with the message id Telegram gave.
    const rows = await env.db.select().from(deliveries).where(inArray(deliveries.chatId, chatIds));
    expect(rows.filter((r) => r.status !== "sent" || r.messageId === null)).toEqual([]);
    console.log(`worker killed after ${sentBefore} of ${N} sent; ${inFlight.size} sends in flight at the kill; ${twice.length} people got the message twice`);
  });
});
