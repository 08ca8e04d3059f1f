/**
 * npm run bench:startup — cold start of what `npm start` runs (the build, dist/main.js) against a
 * local Bot API: time from spawn to the first getUpdates, and the app's RSS
 * once started and after 200 /start updates. Uses its own throwaway database
 * and Redis prefix. Prints figures; never fails on them.
 */
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { FakeTelegram } from "../test/support/fake-telegram.js";
import { buildMati, settingsFor, startMati } from "../test/support/process.js";
import { adminDatabaseUrl, databaseUrlFor, redisUrl } from "../test/support/urls.js";
import { deleteRedisKeys } from "../test/support/scratch.js";
import { Redis } from "ioredis";

const runs = Number(process.env.RUNS ?? 3);
const name = `mati_bench_startup_${Date.now()}`;
const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
const fake = new FakeTelegram();
const api = await fake.listen();
buildMati();
const results: { firstPollMs: number; startupMs: number; rssMb: number; rssAfterMb?: number }[] = [];

try {
  for (let run = 0; run < runs; run++) {
    const pollsBefore = fake.callsTo("getUpdates").length;
    // The first run also creates and migrates the database.
    const settings = await settingsFor({ databaseUrl: databaseUrlFor(name), redisUrl: redisUrl(), redisPrefix: name, apiRoot: api.apiRoot });
    const spawnedAt = performance.now();
    const mati = startMati(settings, { compiled: true });
    const line = await mati.waitForLog(/\{[^\n]*"msg":"mati started"[^\n]*\}/);
    while (fake.callsTo("getUpdates").length === pollsBefore) await new Promise((r) => setTimeout(r, 2));
    const firstPollMs = performance.now() - spawnedAt;
    const started = JSON.parse(line) as { startup_ms: number; rss_mb: number };
    const result: (typeof results)[number] = { firstPollMs, startupMs: started.startup_ms, rssMb: started.rss_mb };
    if (run === runs - 1) {
      // RSS after some work: 200 people sending /start.
      for (let i = 0; i < 200; i++) {
        const user = fake.newUser();
        fake.enqueueUpdate(fake.messageFrom(user, fake.addPrivateChat(user), { text: "/start" }));
      }
      while (fake.callsTo("sendMessage").length < 200) await new Promise((r) => setTimeout(r, 20));
      const statusUrl = `http://127.0.0.1:${/"port":(\d+)/.exec(line)![1]}/readyz`;
      await fetch(statusUrl);
      result.rssAfterMb = await readRssOfTree(mati.child.pid!);
    }
    mati.child.kill("SIGTERM");
    await mati.exited;
    results.push(result);
  }
} finally {
  await api.close();
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  // The app's queues and keys live under the prefix: leave Redis as it was.
  const redis = new Redis(redisUrl());
  await deleteRedisKeys(redis, name);
  await redis.quit();
}

/** The largest RSS among the spawned process and its children (the app itself, however it was started). */
async function readRssOfTree(pid: number): Promise<number> {
  const { readFileSync, readdirSync } = await import("node:fs");
  const children = (p: number): number[] =>
    readdirSync(`/proc/${p}/task`).flatMap((t) => {
      try {
        return readFileSync(`/proc/${p}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  const rss = (p: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) / 1024;
  return Math.max(...all.map(rss));
}

const fmt = (n: number) => n.toFixed(0).padStart(6);
console.log("run  first poll (ms)  app ready (ms)  RSS at start (MB)  RSS after 200 /start (MB)");
results.forEach((r, i) => console.log(`${String(i + 1).padStart(3)}  ${fmt(r.firstPollMs)}          ${fmt(r.startupMs)}          ${fmt(r.rssMb)}             ${r.rssAfterMb ? fmt(r.rssAfterMb) : "     -"}`));
const warm = results.slice(1);
if (warm.length) console.log(`median first poll after the first (migrating) run: ${warm.map((r) => r.firstPollMs).sort((a, b) => a - b)[Math.floor(warm.length / 2)]!.toFixed(0)} ms`);
