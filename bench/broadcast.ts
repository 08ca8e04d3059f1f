/**
 * npm run bench:broadcast — the delivery engine against the local Bot API
 * stand-in over HTTP, which answers 429 beyond its limit as Telegram does.
 *
 *   free: BROADCAST_RATE_PER_SECOND=25, stand-in limit 30/s (Telegram's free bulk limit)
 *   paid: BROADCAST_RATE_PER_SECOND=1000 with BROADCAST_ALLOW_PAID, stand-in limit 1000/s
 *
 * Prints achieved vs configured rate, 429s received, duplicates, missing and
 * peak RSS of the app (the stand-in runs in a child process, bench/stand-in.ts,
 * so the app has its CPU to itself). Each mode uses its own
 * database and Redis prefix, removed afterwards. Env: BENCH_N (recipients,
 * default 10000: ~7 minutes in free mode), BENCH_MODES (free,paid).
 */
import { Redis } from "ioredis";
import postgres from "postgres";
import { createApp } from "../src/app.js";
import { runMigrations } from "../src/db/client.js";
import { users } from "../src/db/schema/index.js";
import { broadcastSummary, startBroadcast } from "../src/features/broadcast/engine.js";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_TOKEN, testBotInfo } from "../test/support/fake-telegram.js";
import { configFor, adminDatabaseUrl, databaseUrlFor, redisUrl } from "../test/support/urls.js";
import { deleteRedisKeys } from "../test/support/scratch.js";
import { startProfile } from "./cpu-profile.js";


const N = Number(process.env.BENCH_N ?? 10_000);
const modes = (process.env.BENCH_MODES ?? "free,paid").split(",").map((m) => m.trim()).filter(Boolean);
const settings: Record<string, { rate: number; paid: boolean; telegramLimit: number }> = {
  free: { rate: 25, paid: false, telegramLimit: 30 },
  paid: { rate: Number(process.env.BENCH_PAID_RATE ?? 950), paid: true, telegramLimit: Number(process.env.BENCH_PAID_LIMIT ?? 1000) },
};

interface Result {
  mode: string;
  configured: number;
  sendRate: number;
  endToEndRate: number;
  seconds: number;
  count429: number;
  duplicates: number;
  missing: number;
  peakRssMb: number;
}

/** The stand-in process and a request/answer helper over IPC. */
function startStandIn() {
  const child = fork(fileURLToPath(new URL("./stand-in.ts", import.meta.url)), { execArgv: ["--import", "tsx"], stdio: "inherit" });
  let nextId = 0;
  const pending = new Map<number, (body: unknown) => void>();
  child.on("message", (m: { id: number; body: unknown }) => pending.get(m.id)?.(m.body));
  return {
    ask<T>(request: Record<string, unknown>): Promise<T> {
      const id = ++nextId;
      return new Promise((resolve) => {
        pending.set(id, resolve as (body: unknown) => void);
        child.send({ id, ...request });
      });
    },
    stop: () => child.kill(),
  };
}

async function runMode(mode: string): Promise<Result> {
  const { rate, paid, telegramLimit } = settings[mode]!;
  const name = `mati_bench_bc_${mode}_${Date.now()}`;
  const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const standIn = startStandIn();
  const api = await standIn.ask<{ apiRoot: string }>({ type: "start", limit: telegramLimit });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    await runMigrations(databaseUrlFor(name));
    const config = configFor(name, {
      TELEGRAM_API_ROOT: api.apiRoot,
      BROADCAST_RATE_PER_SECOND: String(rate),
      BROADCAST_ALLOW_PAID: String(paid),
    });
    app = await createApp(config, { botInfo: testBotInfo });
    const { ids: chatIds } = await standIn.ask<{ ids: number[] }>({ type: "chats", n: N });
    for (let i = 0; i < N; i += 1000) {
      await app.db.insert(users).values(chatIds.slice(i, i + 1000).map((id, j) => ({ telegramId: id, language: (j % 2 ? "en" : "km") as "en" | "km" })));
    }
    app.startWorkers();
    const text = `Bench broadcast (${mode})`;
    // BENCH_PROFILE=DIR: a V8 CPU profile of the app during the sends only.
    const profiler = process.env.BENCH_PROFILE ? await startProfile() : undefined;
    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    const broadcast = await startBroadcast(
      { config, db: app.db, redis: app.redis, queues: app.queues, log: app.log },
      { kind: "announcement", content: { km: { text }, en: { text } }, audience: { kind: "citizens", areaCodes: [] } },
    );
    let lastReport = 0;
    for (;;) {
      const s = (await broadcastSummary(app.db, broadcast.id))!;
      if (s.pending === 0 && s.total > 0) break;
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        process.stderr.write(`  ${mode}: ${s.sent}/${s.total} sent after ${Math.round((Date.now() - started) / 1000)} s\n`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const finishedAt = Date.now();
    const cpu = process.cpuUsage(cpuBefore);
    if (profiler) process.stderr.write(`  CPU profile of the run: ${await profiler.stop(`${process.env.BENCH_PROFILE}/broadcast-${mode}.cpuprofile`)}\n`);
    process.stderr.write(`  app CPU during the run: ${(((cpu.user + cpu.system) / 1000 / (finishedAt - started)) * 100).toFixed(0)}% of one core\n`);
    const report = await standIn.ask<{ firstAt: number; lastAt: number; count429: number; duplicates: number; missing: number; perSecond: number[] }>({ type: "report", text, chatIds });
    const { firstAt, lastAt, duplicates, missing } = report;
    process.stderr.write(`  sends per second: ${report.perSecond.join(" ")}\n`);
    const delivered = N - missing;
    return {
      mode,
      configured: rate,
      sendRate: (delivered - 1) / ((lastAt - firstAt) / 1000),
      endToEndRate: delivered / ((finishedAt - started) / 1000),
      seconds: (finishedAt - started) / 1000,
      count429: report.count429,
      duplicates,
      missing,
      peakRssMb: peakRss / 1e6,
    };
  } finally {
    clearInterval(sampler);
    await app?.stop();
    standIn.stop();
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(redisUrl());
    await deleteRedisKeys(redis, name);
    await redis.quit();
  }
}

const results: Result[] = [];
for (const mode of modes) {
  process.stderr.write(`${mode}: ${N} recipients at ${settings[mode]!.rate}/s (stand-in limit ${settings[mode]!.telegramLimit}/s)…\n`);
  results.push(await runMode(mode));
}
console.log(`\nbroadcast benchmark: ${N} recipients, local Bot API stand-in over HTTP`);
console.log("mode  configured/s  achieved/s (send span)  % of configured  end-to-end/s  time (s)  429s  duplicates  missing  peak RSS (MB)");
for (const r of results) {
  console.log(
    `${r.mode.padEnd(4)}  ${String(r.configured).padStart(12)}  ${r.sendRate.toFixed(1).padStart(22)}  ${((r.sendRate / r.configured) * 100).toFixed(1).padStart(15)}  ${r.endToEndRate.toFixed(1).padStart(12)}  ${r.seconds.toFixed(1).padStart(8)}  ${String(r.count429).padStart(4)}  ${String(r.duplicates).padStart(10)}  ${String(r.missing).padStart(7)}  ${r.peakRssMb.toFixed(0).padStart(13)}`,
  );
}
process.exit(0);
