/**
 * npm run bench:updates — how many updates one Mati process handles, and how
 * fast, against a bare grammY echo bot measured in the same run.
 *
 * The bot under test runs in a child process (bench/updates-bot.ts, compiled
 * to JavaScript first and run with plain Node, as production runs it) in
 * long-polling mode against the local Bot API stand-in (test/support/
 * fake-telegram.ts) served over HTTP from this process, which also plays the
 * simulated users. Each user reads what the bot last sent them and answers it
 * as a person would (the harness's Person.press, over the wire): onboarding
 * (language, consent, commune typed by name, profile), a rating (service,
 * every question, send), a complaint (category, service, text, no photo, no
 * place, anonymous or named, send), then menu presses (help, settings,
 * language, forums, /mycomplaints). The stand-in hands out each user's next
 * update as soon as the bot has finished the previous one, so the getUpdates
 * queue is never empty while users remain.
 *
 *   flat out  BENCH_USERS users (default 1,000; BENCH_N also sets it), no pause:
 *             updates/s, handler p50/p99, peak RSS, CPU of the bot process
 *   paced     new users with random pauses, offering BENCH_RATE updates/s
 *             (default: half of what Mati managed flat out, so the load is
 *             below saturation on any machine) for BENCH_PACED_SECONDS (20):
 *             handler p50/p99 at a steady load. As many users as walk the
 *             whole journey in that time, so the mix is flat out's (more
 *             users would all still be onboarding when the phase ends, and
 *             onboarding's steps are the heaviest); the slowest kinds of
 *             step are listed apart
 *
 * Each phase also reports Mati's garbage-collection pauses (share of the
 * phase's time, longest pause) and the event loop's lag (99th percentile):
 * where the tail of the latency comes from; and, on Linux, the machine's CPU
 * (bench/machine-cpu.ts): how busy it was, and per update the CPU of the bot,
 * of this process (the simulated users, the stand-in), of Postgres and of
 * Redis, which share the machine: what one update costs the machine in all.
 *
 * Then the same updates (each user's recorded steps, in order, with the same
 * pauses) against the echo bot, and the ratio. BENCH_PROFILE=DIR writes a CPU
 * profile of Mati during the flat-out phase and prints its heaviest functions
 * and its time by whose code ran (Mati's own, each package, the GC).
 * Mati runs with the Docker image's NODE_OPTIONS (its heap cap; BENCH_NODE_FLAGS
 * overrides) and logs at LOG_LEVEL info (BENCH_LOG_LEVEL) to /dev/null; the flood
 * guard is lifted (simulated users tap faster than people). Own database
 * and Redis prefix, removed afterwards. UPDATE_CONCURRENCY, when set, is passed
 * to the bot (12 and 25 gave 504 and 588 updates/s against 583 at the default 50
 * on 2 cores: the work is CPU, so fewer at once only queue longer); so is DATABASE_PREPARE (false: the
 * same build with its statements unprepared, to compare). Diagnostics: BENCH_QUERIES=1 prints
 * the SQL the bot ran, counted; BENCH_EXPOSE_GC=1 the heap left after a full GC.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import postgres from "postgres";
import type { Chat, Message, Update, User } from "grammy/types";
import { createDatabase, runMigrations } from "../src/db/client.js";
import { importGazetteer, importUnits } from "../src/features/areas/import.js";
import { FakeTelegram, type SeenMessage } from "../test/support/fake-telegram.js";
import { seedSmallGazetteer } from "../test/support/areas.js";
import { adminDatabaseUrl, databaseUrlFor, redisUrl } from "../test/support/urls.js";
import { deleteRedisKeys } from "../test/support/scratch.js";
import { compiledForBench } from "./compiled.js";
import { heaviestFunctions, summariseOwners } from "./cpu-profile.js";
import { cpuSnapshot, describeCpu } from "./machine-cpu.js";
import type { summariseWaits, WaitBreakdown, Waits } from "./wait-trace.js";

const USERS = Number(process.env.BENCH_USERS ?? process.env.BENCH_N ?? 1000);
/** The paced phase's offered load: a number, or (default) half of Mati's flat-out updates/s on this machine. */
let RATE = Number(process.env.BENCH_RATE ?? NaN);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20);
const PROFILE_DIR = process.env.BENCH_PROFILE;
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const gazetteerDirs = [`${repoRoot}../shared/data/gazetteer`, `${repoRoot}../../shared/data/gazetteer`];
const say = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

// ── The bot under test, over IPC ─────────────────────────────────────────

interface Report {
  durations: number[];
  redisCommands: number;
  /** Requests written to Postgres: its round trips. */
  postgresWrites: number;
  peakRssMb: number;
  peakHeapMb: number;
  cpuPct: number;
  /** Garbage-collection pauses: share of the phase's time, and the longest. */
  gc: { pct: number; maxMs: number };
  /** How late the event loop ran, 99th percentile. */
  loopDelayP99Ms: number;
  /** BENCH_TRACE=1: where the slowest and the typical updates spent their time. */
  waits?: ReturnType<typeof summariseWaits>;
  profile?: string;
}

/** Mati runs with the Docker image's NODE_OPTIONS (BENCH_NODE_FLAGS overrides); the echo bot with Node's defaults. */
function nodeFlags(mode: "mati" | "echo"): string[] {
  if (mode === "echo") return [];
  const fromImage = /^ENV NODE_OPTIONS=(.*)$/m.exec(existsSync(`${repoRoot}Dockerfile`) ? readFileSync(`${repoRoot}Dockerfile`, "utf8") : "")?.[1] ?? "";
  return (process.env.BENCH_NODE_FLAGS ?? fromImage).split(" ").filter(Boolean);
}

/** Both bots run compiled, with plain Node, as production runs Mati. */
const botScript = compiledForBench("bench/updates-bot.ts");

class BotProcess {
  private readonly child: ChildProcess;
  private readonly waiting: ((message: { type: string } & Record<string, unknown>) => boolean)[] = [];
  private stopping = false;
  /**
   * Fails if the bot exits before it is stopped (out of memory, say): every wait on it gives up,
   * and the run ends with its database and Redis keys removed instead of waiting for ever.
   */
  readonly crashed: Promise<never>;
  constructor(mode: "mati" | "echo", apiRoot: string, dbName: string, onDone: (ids: number[], spans: number[], waits?: Waits[]) => void) {
    this.child = fork(botScript, [mode, apiRoot, dbName], {
      execArgv: [...(process.env.BENCH_EXPOSE_GC ? ["--expose-gc"] : []), ...nodeFlags(mode)],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    this.crashed = new Promise<never>((_, reject) =>
      this.child.once("exit", (code, signal) => {
        if (!this.stopping) reject(new Error(`the ${mode} bot exited mid-run (${signal ?? `code ${code}`})`));
      }),
    );
    this.crashed.catch(() => {}); // seen where it is raced; nothing else waits on it
    this.child.on("message", (message: { type: string; ids?: number[]; spans?: number[]; waits?: Waits[] }) => {
      if (message.type === "done") return onDone(message.ids!, message.spans!, message.waits);
      const i = this.waiting.findIndex((w) => w(message as never));
      if (i >= 0) this.waiting.splice(i, 1);
    });
  }
  private next<T>(type: string): Promise<T> {
    return Promise.race([new Promise<T>((resolve) => this.waiting.push((m) => (m.type === type ? (resolve(m as T), true) : false))), this.crashed]);
  }
  ready = () => this.next<void>("ready");
  phase(profile?: string) {
    this.child.send({ type: "phase", profile });
  }
  report(profile?: string): Promise<Report> {
    const answer = this.next<Report>("report");
    this.child.send({ type: "report", profile });
    return answer;
  }
  async stop(): Promise<void> {
    this.stopping = true;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.send({ type: "stop" });
    await Promise.race([exited, sleep(15_000)]);
    this.child.kill();
  }
}

// ── The stand-in and the people using it ─────────────────────────────────

/** Hands updates to the bot through getUpdates and resolves when the bot reports each one handled. */
class Feed {
  private readonly waiting = new Map<number, { label: string; resolve: () => void }>();
  /** How long the bot took over each kind of step (handleUpdate's span, ms), since the last reset. */
  bySteps = new Map<string, { span: number; waits?: Waits }[]>();
  /** The reply keyboard (labels) each chat was last shown. */
  readonly replyKeyboards = new Map<number, string[]>();
  delivered = 0;
  /** Bot API calls the bot made, by method (getUpdates apart). */
  readonly apiCalls = new Map<string, number>();
  constructor(readonly fake: FakeTelegram) {
    const handle = fake.handle.bind(fake);
    fake.handle = async (method, params) => {
      if (method !== "getUpdates") this.apiCalls.set(method, (this.apiCalls.get(method) ?? 0) + 1);
      if (method === "sendMessage") {
        const markup = (typeof params.reply_markup === "string" ? JSON.parse(params.reply_markup) : params.reply_markup) as { keyboard?: { text: string }[][] } | undefined;
        if (markup?.keyboard) this.replyKeyboards.set(Number(params.chat_id), markup.keyboard.flat().map((b) => b.text));
      }
      return handle(method, params);
    };
    // The stand-in keeps a record of every call for tests; here it would only grow.
    setInterval(() => fake.calls.splice(0), 1000).unref();
  }
  get inFlight(): number {
    return this.waiting.size;
  }
  deliver(update: Update, label = "update"): Promise<void> {
    this.delivered++;
    const done = new Promise<void>((resolve) => this.waiting.set(update.update_id, { label, resolve }));
    this.fake.enqueueUpdate(update);
    return done;
  }
  done = (ids: number[], spans: number[], waits?: Waits[]) => {
    ids.forEach((id, i) => {
      const waiting = this.waiting.get(id);
      if (!waiting) return;
      this.waiting.delete(id);
      const spansOfStep = this.bySteps.get(waiting.label) ?? [];
      spansOfStep.push({ span: spans[i]!, waits: waits?.[i] });
      this.bySteps.set(waiting.label, spansOfStep);
      waiting.resolve();
    });
  };
}

/** A pause that ends early once the phase is over (polled every 50 ms, so trailing pauses do not stretch the phase). */
async function pauseFor(ms: number, stopped: () => boolean): Promise<void> {
  const until = performance.now() + ms;
  while (!stopped() && performance.now() < until) await sleep(Math.min(50, until - performance.now()));
}

type Step = { kind: "text"; text: string; pause: number } | { kind: "press"; data: string; pause: number };
class Stopped extends Error {}

/** What kind of step this is, for the slowest-steps table: a command, a button (numbers folded), or text typed after a button. */
function stepLabel(step: Step, before: Step | undefined): string {
  // Ids, codes and scores become "#" (a rating's "r:3:5" and "r:4:2" are both "r:#:#", its send "r:#:send").
  const fold = (data: string) => data.replace(/(?<=:)\d+(?=:|$)/g, "#").replace(/^(o:lang|st:lang):.*/, "$1:…");
  if (step.kind === "press") return fold(step.data);
  if (step.text.startsWith("/")) return step.text;
  return `text after ${before ? (before.kind === "press" ? fold(before.data) : before.text.startsWith("/") ? before.text : "text") : "nothing"}`;
}

/** One simulated person in their private chat; records what they did, so the echo bot gets the same updates. */
class SimUser {
  readonly steps: Step[] = [];
  misses = 0;
  /** What the bot had last said when an expected button was not there (the text's start), for the report. */
  readonly missedAt: string[] = [];
  constructor(
    readonly user: User,
    readonly chat: Chat.PrivateChat,
    readonly lang: "km" | "en",
    readonly commune: string,
    private readonly feed: Feed,
    private readonly pause: () => number,
    private readonly stopped: () => boolean,
  ) {}

  private async go(step: Step, update: () => Update): Promise<void> {
    if (step.pause) await pauseFor(step.pause, this.stopped);
    if (this.stopped()) throw new Stopped();
    this.steps.push(step);
    await this.feed.deliver(update(), stepLabel(step, this.steps.at(-2)));
  }
  private botMessages(): SeenMessage[] {
    return this.feed.fake.chatMessages(this.chat.id).filter((m) => m.raw.from?.id === this.feed.fake.me.id);
  }
  /** The callback data on the newest message the bot sent here (empty when it has no buttons). */
  lastButtons(): string[] {
    return this.botMessages().at(-1)?.buttons.flat().flatMap((b) => (b.data ? [b.data] : [])) ?? [];
  }
  async send(text: string): Promise<void> {
    await this.go({ kind: "text", text, pause: this.pause() }, () => this.feed.fake.messageFrom(this.user, this.chat, { text }));
  }
  /** Presses a button matching `wanted` on the newest message that has one (a random one of several); false when there is none. */
  async press(wanted: (data: string) => boolean): Promise<boolean> {
    for (const message of this.botMessages().reverse()) {
      const matching = message.buttons.flat().flatMap((b) => (b.data && wanted(b.data) ? [b.data] : []));
      if (matching.length === 0) continue;
      const data = matching[Math.floor(Math.random() * matching.length)]!;
      await this.go({ kind: "press", data, pause: this.pause() }, () => this.feed.fake.callbackFrom(this.user, message, data));
      return true;
    }
    this.misses++;
    this.missedAt.push(`${this.steps.at(-1) ? stepLabel(this.steps.at(-1)!, this.steps.at(-2)) : "start"} → «${(this.botMessages().at(-1)?.text ?? "nothing").slice(0, 60).replace(/\s+/g, " ")}»`);
    return false;
  }
  replyKeyboard(): string[] {
    return this.feed.replyKeyboards.get(this.chat.id) ?? [];
  }
}

const descriptions = [
  "មន្ទីរពេទ្យបិទទ្វារនៅម៉ោងធ្វើការ ហើយគ្មានគ្រូពេទ្យនៅទីនោះទេ។",
  "The road to the primary school floods every time it rains.",
  "គេសុំលុយបន្ថែម ២០,០០០ រៀល ដើម្បីធ្វើសំបុត្រកំណើត។",
  "The health centre has had no paracetamol for a month.",
];

/** What each person does, as the bot leads them. */
async function scenario(u: SimUser): Promise<void> {
  // Onboarding: language, consent, the commune typed by name (a list to choose from when several match), the profile.
  await u.send("/start");
  await u.press((d) => d === `o:lang:${u.lang}`);
  await u.press((d) => d === "o:ok:y");
  await u.send(u.commune);
  for (let i = 0; i < 4 && !u.lastButtons().some((d) => d.startsWith("pf:")); i++) {
    if (!(await u.press((d) => d.startsWith("ap:c:"))) && !(await u.press((d) => d.startsWith("ap:o:")))) break;
  }
  for (let i = 0; i < 6 && u.lastButtons().some((d) => d.startsWith("pf:")); i++) await u.press((d) => d.startsWith("pf:"));

  // A rating: a service, each question (mostly scores), then send.
  await u.press((d) => d === "menu:rate");
  for (let i = 0; i < 25; i++) {
    const values = u.lastButtons().filter((d) => d.startsWith("r:")).map((d) => d.split(":")[2]!);
    if (values.length === 0) break;
    // Every score "not applicable": nothing to send (the summary offers only change and cancel), so they cancel.
    const want = values.includes("send") ? ["send"]
      : values.includes("change") ? ["cancel"]
      : values.includes("5") ? ["1", "2", "3", "4", "5", "5", "na"]
      : values.includes("dont_know") ? ["yes", "no", "dont_know"]
      : values.includes("skip") ? ["skip"]
      : values.filter((v) => !["cancel", "change", "back", "comment"].includes(v));
    await u.press((d) => d.startsWith("r:") && want.includes(d.split(":")[2]!));
  }

  // A complaint: category, service, what happened, no photo, no place, anonymous or named, publish no, send.
  await u.send("/complain");
  await u.press((d) => d.startsWith("cf:cat:"));
  if (u.lastButtons().some((d) => d.startsWith("cf:svc:"))) await u.press((d) => d.startsWith("cf:svc:"));
  await u.send(descriptions[Math.floor(Math.random() * descriptions.length)]!);
  await u.press((d) => d === "cf:media:skip");
  await u.send(u.replyKeyboard().at(-1) ?? (u.lang === "km" ? "⏭ រំលង" : "⏭ Skip"));
  await u.press((d) => d.startsWith("cf:id:"));
  await u.press((d) => d === "cf:pub:no");
  await u.press((d) => d === "cf:send:ok");

  // Looking around: help, settings and language, forums, their complaints.
  await u.send("/menu");
  await u.press((d) => d === "menu:help");
  await u.press((d) => d === "menu:home");
  await u.press((d) => d === "menu:settings");
  await u.press((d) => d === "st:lang");
  await u.press((d) => d === `st:lang:${u.lang}`);
  await u.press((d) => d === "menu:home");
  await u.press((d) => d === "menu:forums");
  await u.send("/mycomplaints");
  await u.press((d) => d.startsWith("mc:v:"));
}

/** The same steps again, for the echo bot: texts as sent, presses with their data on a message of that chat. */
async function replay(u: SimUser, feed: Feed, stopped: () => boolean): Promise<void> {
  const message = { message_id: 1, date: Math.floor(Date.now() / 1000), chat: u.chat, from: feed.fake.me, text: "menu" } as Message;
  const seen: SeenMessage = { message_id: 1, chatId: u.chat.id, text: "menu", buttons: [], kind: "text", raw: message, edits: 0 };
  for (const step of u.steps) {
    if (step.pause) await pauseFor(step.pause, stopped);
    if (stopped()) return;
    await feed.deliver(step.kind === "text" ? feed.fake.messageFrom(u.user, u.chat, { text: step.text }) : feed.fake.callbackFrom(u.user, seen, step.data));
  }
}

// ── Phases ───────────────────────────────────────────────────────────────

interface Figures {
  /** The five kinds of step (BENCH_STEPS=1: all) with the highest p99, with how often they came. */
  slowest: { label: string; n: number; p50: number; p99: number; waits?: Waits }[];
  updates: number;
  /** Per update: Bot API calls, Redis commands (the app's connection), Postgres transactions and round trips. */
  perUpdate: { api: number; redis: number; postgres: number; postgresRoundTrips: number };
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  peakRssMb: number;
  peakHeapMb: number;
  cpuPct: number;
  gc: Report["gc"];
  loopDelayP99Ms: number;
  /** The whole machine's CPU over the phase, per update (Linux). */
  machine?: string;
}

async function measure(bot: BotProcess, feed: Feed, work: () => Promise<void>, profile?: string, postgresTransactions?: () => Promise<number>): Promise<Figures> {
  bot.phase(profile);
  await sleep(50);
  const apiBefore = [...feed.apiCalls.values()].reduce((a, b) => a + b, 0);
  const pgBefore = (await postgresTransactions?.()) ?? 0;
  const before = feed.delivered;
  feed.bySteps = new Map();
  const cpuBefore = cpuSnapshot();
  const started = performance.now();
  let last = -1;
  const progress = setInterval(() => {
    say(`  … ${feed.delivered - before} updates after ${((performance.now() - started) / 1000).toFixed(0)} s, ${feed.inFlight} in flight${feed.delivered === last ? " (no progress)" : ""}`);
    last = feed.delivered;
  }, 10_000);
  await Promise.race([work(), bot.crashed]).finally(() => clearInterval(progress));
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSnapshot();
  const report = await bot.report(profile);
  if (report.profile) say(`  CPU profile: ${report.profile}`);
  if (report.waits) {
    const line = (name: string, b: WaitBreakdown) =>
      `  ${name.padEnd(12)} ${String(b.n).padStart(6)} updates: span ${b.span.toFixed(1)} ms = Postgres ${b.waits.postgres.toFixed(1)} + Redis ${b.waits.redis.toFixed(1)} + Bot API ${b.waits.api.toFixed(1)} + own (CPU, event loop) ${b.own.toFixed(1)}`;
    say(line("slowest 1%", report.waits.slowest));
    say(line("middle half", report.waits.middle));
  }
  const sorted = [...report.durations].sort((a, b) => a - b);
  const updates = feed.delivered - before;
  // Postgres counts transactions within about a second of their end.
  const pgAfter = postgresTransactions ? (await sleep(1500), await postgresTransactions()) : 0;
  const perUpdate = { api: ([...feed.apiCalls.values()].reduce((a, b) => a + b, 0) - apiBefore) / updates, redis: report.redisCommands / updates, postgres: (pgAfter - pgBefore) / updates, postgresRoundTrips: report.postgresWrites / updates };
  const slowest = [...feed.bySteps.entries()]
    .map(([label, updates]) => {
      const s = updates.map((u) => u.span).sort((a, b) => a - b);
      // BENCH_TRACE=1: this step's average waits.
      const traced = updates.flatMap((u) => (u.waits ? [u.waits] : []));
      const mean = (f: (w: Waits) => number) => traced.reduce((sum, w) => sum + f(w), 0) / traced.length;
      const waits = traced.length ? { postgres: mean((w) => w.postgres), redis: mean((w) => w.redis), api: mean((w) => w.api) } : undefined;
      return { label, n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), waits };
    })
    .filter((s) => s.n >= 20)
    .sort((a, b) => b.p99 - a.p99)
    .slice(0, process.env.BENCH_STEPS ? undefined : 5);
  return { slowest, updates, perUpdate, seconds, perSecond: updates / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, peakRssMb: report.peakRssMb, peakHeapMb: report.peakHeapMb, cpuPct: report.cpuPct, gc: report.gc, loopDelayP99Ms: report.loopDelayP99Ms, machine: describeCpu(cpuBefore, cpuAfter, updates, (report.cpuPct / 100) * seconds * 1000) };
}

/** Runs `run` for every user at once (flat out), or with pauses for PACED_SECONDS (paced). */
async function drive<T>(users: T[], run: (user: T, stopped: () => boolean) => Promise<void>, seconds?: number): Promise<void> {
  let stop = false;
  const timer = seconds ? setTimeout(() => (stop = true), seconds * 1000) : undefined;
  const errors: unknown[] = [];
  await Promise.all(users.map((u) => run(u, () => stop).catch((err) => { if (!(err instanceof Stopped)) errors.push(err); })));
  clearTimeout(timer);
  if (errors.length) throw errors[0];
}

/** Pauses between one person's steps that, over `users` people, offer about RATE updates per second. */
const pausingFor = (users: number) => () => -Math.log(1 - Math.random()) * ((users / RATE) * 1000);

// ── The run ──────────────────────────────────────────────────────────────

const name = `mati_bench_updates_${Date.now()}`;
const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE "${name}"`);
const { db, sql } = createDatabase(databaseUrlFor(name), { max: 2 });
const results: { bot: string; phase: string; figures: Figures }[] = [];
let communeNames: { en: string; km: string }[] = [];
let mix = "";
try {
  await runMigrations(databaseUrlFor(name));
  const dir = gazetteerDirs.find((d) => existsSync(`${d}/cambodia_admin.csv`));
  if (dir) {
    await importGazetteer(db, readFileSync(`${dir}/cambodia_admin.csv`));
    if (existsSync(`${dir}/cambodia_admin_units.csv`)) await importUnits(db, readFileSync(`${dir}/cambodia_admin_units.csv`));
  } else await seedSmallGazetteer(db);
  communeNames = (await sql<{ en: string; km: string }[]>`select name_en as en, name_km as km from areas where level = 'commune' order by random() limit 300`).map((r) => ({ ...r }));
  say(`gazetteer: ${dir ? "national" : "test fixture"}; ${USERS} users flat out`);

  const people = (count: number, fake: FakeTelegram, feed: Feed, pause: () => number, stopped: () => boolean) =>
    Array.from({ length: count }, (_, i) => {
      const lang = i % 3 === 0 ? "en" : "km";
      const user = fake.newUser({ first_name: `Person ${i}`, language_code: lang });
      const commune = communeNames[i % communeNames.length]!;
      return new SimUser(user, fake.addPrivateChat(user), lang, lang === "km" ? commune.km : commune.en, feed, pause, stopped);
    });

  const transactions = async () => (await admin<{ n: number }[]>`select (xact_commit + xact_rollback)::int as n from pg_stat_database where datname = ${name}`)[0]!.n;

  // Mati.
  const fake = new FakeTelegram();
  const api = await fake.listen();
  const feed = new Feed(fake);
  const mati = new BotProcess("mati", api.apiRoot, name, feed.done);
  await mati.ready();
  let flatUsers: SimUser[] = [];
  let pacedUsers: SimUser[] = [];
  say("mati, flat out…");
  results.push({
    bot: "mati",
    phase: "flat out",
    figures: await measure(mati, feed, async () => {
      flatUsers = people(USERS, fake, feed, () => 0, () => false);
      await drive(flatUsers, (u) => scenario(u));
    }, PROFILE_DIR ? `${PROFILE_DIR}/updates-mati.cpuprofile` : undefined, transactions),
  });
  if (!Number.isFinite(RATE)) RATE = Math.max(1, Math.round(results[0]!.figures.perSecond / 2));
  const journey = flatUsers.reduce((n, u) => n + u.steps.length, 0) / flatUsers.length;
  const pacedCount = Math.max(1, Math.round((RATE * PACED_SECONDS) / journey));
  say(`mati, paced at ${RATE} updates/s for ${PACED_SECONDS} s (${pacedCount} users, ${journey.toFixed(1)} steps each)…`);
  let pacedStop = false;
  results.push({
    bot: "mati",
    phase: "paced",
    figures: await measure(mati, feed, async () => {
      pacedUsers = people(pacedCount, fake, feed, pausingFor(pacedCount), () => pacedStop);
      setTimeout(() => (pacedStop = true), PACED_SECONDS * 1000);
      await drive(pacedUsers, (u) => scenario(u));
    }, undefined, transactions),
  });
  await mati.stop();
  await api.close();
  const [ratings, complaints, onboarded] = await Promise.all([
    sql<{ n: number }[]>`select count(*)::int as n from ratings`,
    sql<{ n: number }[]>`select count(*)::int as n from complaints`,
    sql<{ n: number }[]>`select count(*)::int as n from users where onboarded_at is not null`,
  ]);
  const misses = flatUsers.reduce((n, u) => n + u.misses, 0);
  mix = `flat-out mix: ${flatUsers.reduce((n, u) => n + u.steps.length, 0)} updates (${flatUsers.reduce((n, u) => n + u.steps.filter((s) => s.kind === "press").length, 0)} button presses); over both phases ${onboarded[0]!.n} onboarded, ${ratings[0]!.n} ratings, ${complaints[0]!.n} complaints; ${misses} expected buttons missing`;
  say(`  ${mix}`);
  if (misses) {
    const where = new Map<string, number>();
    for (const m of flatUsers.flatMap((u) => u.missedAt)) where.set(m, (where.get(m) ?? 0) + 1);
    say(`  buttons missing after: ${[...where].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([m, n]) => `${n}× ${m}`).join("; ")}`);
  }

  // The echo bot, the same steps.
  const echoFake = new FakeTelegram();
  for (const u of [...flatUsers, ...pacedUsers]) echoFake.addPrivateChat(u.user);
  const echoApi = await echoFake.listen();
  const echoFeed = new Feed(echoFake);
  const echo = new BotProcess("echo", echoApi.apiRoot, name, echoFeed.done);
  await echo.ready();
  say("echo, flat out…");
  results.push({ bot: "echo", phase: "flat out", figures: await measure(echo, echoFeed, () => drive(flatUsers, (u) => replay(u, echoFeed, () => false))) });
  say("echo, paced…");
  results.push({
    bot: "echo",
    phase: "paced",
    figures: await measure(echo, echoFeed, () => drive(pacedUsers, (u, stopped) => replay(u, echoFeed, stopped), PACED_SECONDS)),
  });
  await echo.stop();
  await echoApi.close();
} finally {
  await sql.end({ timeout: 5 });
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(redisUrl());
  await deleteRedisKeys(redis, name);
  await redis.quit();
}

const row = (r: (typeof results)[number]) =>
  `${r.bot.padEnd(5)} ${r.phase.padEnd(9)} ${String(r.figures.updates).padStart(8)} ${r.figures.seconds.toFixed(1).padStart(7)} ${r.figures.perSecond.toFixed(0).padStart(9)} ${r.figures.p50.toFixed(1).padStart(8)} ${r.figures.p99.toFixed(1).padStart(8)} ${r.figures.max.toFixed(0).padStart(8)} ${r.figures.peakRssMb.toFixed(0).padStart(13)} ${r.figures.peakHeapMb.toFixed(0).padStart(10)} ${r.figures.cpuPct.toFixed(0).padStart(6)} ${((r.figures.cpuPct / 100) * r.figures.seconds * 1000 / r.figures.updates).toFixed(2).padStart(14)} ${r.figures.gc.pct.toFixed(1).padStart(5)} ${r.figures.gc.maxMs.toFixed(0).padStart(11)} ${r.figures.loopDelayP99Ms.toFixed(0).padStart(13)}`;
const flat = (bot: string) => results.find((r) => r.bot === bot && r.phase === "flat out")!.figures;
const paced = (bot: string) => results.find((r) => r.bot === bot && r.phase === "paced")!.figures;
console.log(`\nupdates benchmark: ${USERS} simulated users flat out, local Bot API stand-in over HTTP, long polling`);
console.log(mix);
const mf = results[0]!.figures.perUpdate;
console.log(`mati, per update (flat out): ${mf.api.toFixed(2)} Bot API calls, ${mf.redis.toFixed(2)} Redis commands (besides BullMQ), ${mf.postgres.toFixed(2)} Postgres transactions in ${mf.postgresRoundTrips.toFixed(2)} round trips`);
console.log("bot   phase      updates  time(s)  updates/s  p50(ms)  p99(ms)  max(ms)  peak RSS (MB)  heap (MB)  CPU %  CPU ms/update  GC %  max GC (ms)  loop lag p99");
for (const r of results) console.log(row(r));
console.log(
  `mati/echo: ${((flat("mati").perSecond / flat("echo").perSecond) * 100).toFixed(0)}% of the echo bot's updates/s; p99 paced ${paced("mati").p99.toFixed(1)} ms vs ${paced("echo").p99.toFixed(1)} ms`,
);
console.log(
  `targets: ≥ 1000 updates/s ${flat("mati").perSecond >= 1000 ? "met" : "missed"} (${flat("mati").perSecond.toFixed(0)}); p99 < 30 ms at ${RATE}/s ${paced("mati").p99 < 30 ? "met" : "missed"} (${paced("mati").p99.toFixed(1)}); RSS < 200 MB ${Math.max(flat("mati").peakRssMb, paced("mati").peakRssMb) < 200 ? "met" : "missed"} (${Math.max(flat("mati").peakRssMb, paced("mati").peakRssMb).toFixed(0)})`,
);
for (const r of results) if (r.figures.machine) console.log(`machine, ${r.bot} ${r.phase}: ${r.figures.machine}`);
console.log(`mati paced, the slowest kinds of step (handleUpdate's span; p50 / p99 ms, count): ${paced("mati").slowest.map((s) => `${s.label} ${s.p50.toFixed(0)}/${s.p99.toFixed(0)} (${s.n}${s.waits ? `; waits Postgres ${s.waits.postgres.toFixed(1)}, Redis ${s.waits.redis.toFixed(1)}, Bot API ${s.waits.api.toFixed(1)}` : ""})`).join("; ")}`);
if (PROFILE_DIR) {
  const profile = `${PROFILE_DIR}/updates-mati.cpuprofile`;
  console.log("heaviest functions of mati, flat out (self time):");
  for (const line of await heaviestFunctions(profile)) console.log(line);
  console.log("mati's CPU by whose code ran, flat out (native calls charged to their caller):");
  for (const line of await summariseOwners(profile)) console.log(line);
}
process.exit(0);
