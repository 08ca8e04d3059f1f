/**
 * The bot under test for bench:updates, in a process of its own (so its RSS
 * and CPU are its own): `mati` (the real app from createApp, long polling,
 * workers in the same process as ROLE=all runs them) or `echo` (a bare grammY
 * bot with the same runner: a reply to each message, an answer to each
 * button). Driven over IPC by bench/updates.ts:
 *
 *   parent → child: { type: "phase" } (figures start again), { type: "report" }, { type: "stop" }
 *   child → parent: { type: "ready" }, { type: "done", ids, spans, waits? } (updates fully handled, how long each took, BENCH_TRACE's waits), { type: "report", … }
 *
 * Per-update time is the bot's own: for Mati the error boundary's duration
 * (the same figure as mati_update_duration_seconds); for echo the same span
 * measured by its first middleware.
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import { TEST_TOKEN, testBotInfo } from "../test/support/fake-telegram.js";
import { startProfile } from "./cpu-profile.js";
import { installWaitTrace, serviceOf, summariseWaits, traced, watchSocketWrites, type Waits } from "./wait-trace.js";

const [mode, apiRoot, dbName] = process.argv.slice(2) as ["mati" | "echo", string, string];
const send = (message: unknown) => process.send!(message);
const say = (line: string) => process.stderr.write(`${line}\n`);

let durations: number[] = [];
// BENCH_TRACE=1: each update's waits on Postgres, Redis and the Bot API (bench/wait-trace.ts).
const tracing = !!process.env.BENCH_TRACE;
if (tracing) installWaitTrace();
let waitsOfUpdates: { span: number; waits: Waits }[] = [];
let redisCommands = 0;
// Requests written to Postgres: its round trips.
let postgresWrites = 0;
watchSocketWrites((socket) => {
  if (serviceOf(socket) === "postgres") postgresWrites++;
});
const queries = new Map<string, number>();
let peakRss = 0;
let cpuAt = process.cpuUsage();
let phaseStarted = performance.now();
let peakHeap = 0;
const sampleRss = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapTotal);
};
setInterval(sampleRss, 50).unref();
// Where the tail of the latency comes from: garbage-collection pauses, and how late the event loop ran.
let gcPauses: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push(entry.duration);
}).observe({ entryTypes: ["gc"] });
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

// Completed update ids go to the driver in batches (one IPC message per turn of the event loop).
// Each with how long handleUpdate took (ms), so the driver can tell which steps make the tail.
let finished: number[] = [];
let spans: number[] = [];
let waitsOf: Waits[] = [];
const flush = () => {
  if (finished.length) send({ type: "done", ids: finished, spans, ...(tracing ? { waits: waitsOf } : {}) });
  finished = [];
  spans = [];
  waitsOf = [];
};
function reportDone(id: number, ms: number, waits?: Waits) {
  if (finished.length === 0) setImmediate(flush);
  finished.push(id);
  spans.push(ms);
  if (waits) waitsOf.push(waits);
}

/** Wraps handleUpdate, which the runner calls once per update, to tell the driver when each is done. */
function signalCompletion(bot: Bot<never>) {
  const handle = bot.handleUpdate.bind(bot);
  bot.handleUpdate = async (update: Update, webhookReplyEnvelope?: unknown) => {
    const started = performance.now();
    const run = tracing ? traced(() => handle(update, webhookReplyEnvelope as never)) : { done: handle(update, webhookReplyEnvelope as never) };
    try {
      await run.done;
    } finally {
      const span = performance.now() - started;
      if ("waits" in run) waitsOfUpdates.push({ span, waits: run.waits });
      reportDone(update.update_id, span, "waits" in run ? run.waits : undefined);
    }
  };
}

let stop: () => Promise<void>;
// Each mode loads only what it runs: the echo bot's RSS is grammY's and the runner's alone.
if (mode === "mati") {
  const { createApp } = await import("../src/app.js");
  const { configFor } = await import("../test/support/urls.js");
  const config = configFor(dbName, {
    TELEGRAM_API_ROOT: apiRoot,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
    // The app's own setting, when given (how many updates one process has in hand at once).
    ...(process.env.UPDATE_CONCURRENCY ? { UPDATE_CONCURRENCY: process.env.UPDATE_CONCURRENCY } : {}),
    // DATABASE_PREPARE=false: the same build with statements unprepared (two round trips each), to compare.
    ...(process.env.DATABASE_PREPARE ? { DATABASE_PREPARE: process.env.DATABASE_PREPARE } : {}),
  });
  const app = await createApp(config, { botInfo: testBotInfo });
  const observe = app.metrics.update.bind(app.metrics);
  app.metrics.update = (type, seconds, failed) => {
    durations.push(seconds * 1000);
    observe(type, seconds, failed);
  };
  signalCompletion(app.bot as unknown as Bot<never>);
  // Round trips to Redis per update (the app's own connection; BullMQ's are apart).
  const sendCommand = app.redis.sendCommand.bind(app.redis);
  app.redis.sendCommand = ((...args: Parameters<typeof sendCommand>) => {
    redisCommands++;
    if (process.env.BENCH_QUERIES) {
      const key = `redis ${(args[0] as { name: string }).name}`;
      queries.set(key, (queries.get(key) ?? 0) + 1);
    }
    return sendCommand(...args);
  }) as typeof sendCommand;
  // BENCH_QUERIES=1: which SQL the bot runs, counted (printed with each report).
  if (process.env.BENCH_QUERIES) {
    const unsafe = app.sql.unsafe.bind(app.sql);
    (app.sql as { unsafe: unknown }).unsafe = (query: string, ...rest: unknown[]) => {
      const key = query.replace(/\s+/g, " ").slice(0, 110);
      queries.set(key, (queries.get(key) ?? 0) + 1);
      return (unsafe as (...a: unknown[]) => unknown)(query, ...rest);
    };
  }
  await app.start();
  stop = () => app.stop();
} else {
  const { Bot } = await import("grammy");
  const { run } = await import("@grammyjs/runner");
  const bot = new Bot(TEST_TOKEN, { botInfo: testBotInfo, client: { apiRoot } });
  bot.use(async (_ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      durations.push(performance.now() - started);
    }
  });
  bot.on("message", (ctx) => ctx.reply(ctx.message.text?.slice(0, 4000) || "ok"));
  bot.on("callback_query", (ctx) => ctx.answerCallbackQuery());
  signalCompletion(bot as unknown as Bot<never>);
  await bot.init();
  const runner = run(bot, { runner: { fetch: { allowed_updates: ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"] } } });
  stop = () => runner.stop();
}

let profiler: { stop(path: string): Promise<string> } | undefined;
process.on("message", async (message: { type: string; profile?: string }) => {
  switch (message.type) {
    case "phase":
      durations = [];
      waitsOfUpdates = [];
      redisCommands = 0;
      postgresWrites = 0;
      peakRss = process.memoryUsage().rss;
      peakHeap = process.memoryUsage().heapTotal;
      cpuAt = process.cpuUsage();
      gcPauses = [];
      loopDelay.reset();
      phaseStarted = performance.now();
      if (message.profile) profiler = await startProfile(500);
      return;
    case "report": {
      flush();
      sampleRss();
      const cpu = process.cpuUsage(cpuAt);
      const profile = profiler && message.profile ? await profiler.stop(message.profile) : undefined;
      profiler = undefined;
      for (const [q, n] of [...queries.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) say(`  ${String(n).padStart(6)}  ${q}`);
      queries.clear();
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        gc();
        say(`  ${mode}: heap used after a full GC ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
      }
      const elapsedMs = performance.now() - phaseStarted;
      const gcMs = gcPauses.reduce((a, b) => a + b, 0);
      send({
        type: "report",
        durations,
        redisCommands,
        postgresWrites,
        peakRssMb: peakRss / 1e6,
        peakHeapMb: peakHeap / 1e6,
        cpuPct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
        gc: { pct: (gcMs / elapsedMs) * 100, maxMs: Math.max(0, ...gcPauses) },
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        waits: tracing ? summariseWaits(waitsOfUpdates) : undefined,
        profile,
      });
      return;
    }
    case "stop":
      await stop();
      process.exit(0);
  }
});
send({ type: "ready" });
