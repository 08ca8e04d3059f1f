/**
 * npm run bench:polling — how fast `npm start` answers over long polling
 * against the local Bot API stand-in: one person writing /help again and
 * again (each message waits for the answer: the latency one chat feels), and
 * CHATS people writing at once (throughput). Its own throwaway database and
 * Redis prefix. Prints figures; never fails on them.
 */
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { FakeTelegram } from "../test/support/fake-telegram.js";
import { buildMati, settingsFor, startMati } from "../test/support/process.js";
import { deleteRedisKeys } from "../test/support/scratch.js";
import { adminDatabaseUrl, databaseUrlFor, redisUrl } from "../test/support/urls.js";
import { Redis } from "ioredis";

const rounds = Number(process.env.ROUNDS ?? 200);
const chats = Number(process.env.CHATS ?? 300);
const name = `mati_bench_polling_${Date.now()}`;
const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
const fake = new FakeTelegram();
const api = await fake.listen();

const repliesTo = (chatId: number) => fake.callsTo("sendMessage").filter((c) => Number(c.params.chat_id) === chatId).length;
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 1));
}

buildMati();
try {
  const target = { databaseUrl: databaseUrlFor(name), redisUrl: redisUrl(), redisPrefix: name, apiRoot: api.apiRoot };
  const mati = startMati(await settingsFor(target, { LOG_LEVEL: "warn", FLOOD_LIMIT_PER_MINUTE: "1000000", ROLE: "bot" }), { compiled: true });
  await mati.waitForLog(/mati started|"level":[45]0/, 60_000).catch(() => {});
  await until(() => fake.callsTo("getUpdates").length > 0);

  // One chat, one message at a time.
  const user = fake.newUser({ language_code: "en" });
  const chat = fake.addPrivateChat(user);
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const before = repliesTo(chat.id);
    const sentAt = performance.now();
    fake.enqueueUpdate(fake.messageFrom(user, chat, { text: "/help" }));
    await until(() => repliesTo(chat.id) > before);
    latencies.push(performance.now() - sentAt);
  }
  const warm = latencies.slice(10).sort((a, b) => a - b);
  const at = (q: number) => warm[Math.min(warm.length - 1, Math.floor(q * warm.length))]!;

  // Many chats at once.
  const people = Array.from({ length: chats }, () => {
    const u = fake.newUser({ language_code: "en" });
    return { user: u, chat: fake.addPrivateChat(u) };
  });
  const sendsBefore = fake.callsTo("sendMessage").length;
  const burstAt = performance.now();
  for (const p of people) fake.enqueueUpdate(fake.messageFrom(p.user, p.chat, { text: "/help" }));
  await until(() => fake.callsTo("sendMessage").length >= sendsBefore + chats);
  const burstMs = performance.now() - burstAt;

  mati.child.kill("SIGTERM");
  await mati.exited;
  console.log(`one chat, ${rounds} messages one after another: median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms per answer`);
  console.log(`${chats} chats writing at once: all answered in ${burstMs.toFixed(0)} ms (${((chats / burstMs) * 1000).toFixed(0)} updates/s)`);
} finally {
  await api.close();
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(redisUrl());
  await deleteRedisKeys(redis, name);
  await redis.quit();
}
