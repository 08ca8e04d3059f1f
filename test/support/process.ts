/**
 * Runs Mati as a real process for start-up, restart and shutdown tests: the
 * compiled build as `npm start` runs it (`node dist/main.js`, after
 * buildMati()), or src/main.ts through tsx (no build needed, the default).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { TEST_TOKEN } from "./fake-telegram.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const tsx = `${repoRoot}node_modules/.bin/tsx`;

export interface MatiProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * SIGKILL to the app and every process under it (tsx runs the app in a
   * child process, which a SIGKILL to tsx alone would leave running), as a
   * power cut or the OOM killer would. Resolves once the app is gone.
   */
  hardKill(): Promise<void>;
}

export interface StartOptions {
  /** Run dist/main.js (what `npm start` runs; call buildMati() first) instead of src/main.ts through tsx. */
  compiled?: boolean;
}

/** Compiles src to dist as `npm start` does. */
export function buildMati(): void {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
}

/**
 * Starts Mati with exactly this environment (plus PATH), in an empty working
 * directory so that no developer's .env leaks into the test.
 */
export function startMati(env: Record<string, string>, options: StartOptions = {}): MatiProcess {
  const [command, args] = options.compiled ? [process.execPath, [`${repoRoot}dist/main.js`]] : [tsx, [`${repoRoot}src/main.ts`]];
  const child = spawn(command, args, {
    cwd: mkdtempSync(`${tmpdir()}/mati-run-`),
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    hardKill: async () => {
      const tree = processTree(child.pid!);
      for (const pid of tree) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await exited;
      while (tree.some(alive)) await new Promise((r) => setTimeout(r, 20));
    },
    waitForLog: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match[0]);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

/** A process and all its descendants (from /proc). */
function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${all[i]}/task`)) {
        all.push(...readFileSync(`/proc/${all[i]}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return all;
}

/** Running (a zombie, killed and not yet reaped, counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export interface ProcessTarget {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  apiRoot: string;
  port?: number;
}

/**
 * The environment of a Mati process for a test's database, Redis prefix and
 * Bot API stand-in (its own free port unless given, logging at info); `extra`
 * adds or overrides settings (BOT_TOKEN, ROLE, FLOOD_LIMIT_PER_MINUTE …).
 */
export async function settingsFor(target: ProcessTarget, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_API_ROOT: target.apiRoot,
    DATABASE_URL: target.databaseUrl,
    REDIS_URL: target.redisUrl,
    REDIS_PREFIX: target.redisPrefix,
    PORT: String(target.port ?? (await freePort())),
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    ...extra,
  };
}

/** Starts Mati with settingsFor(target, extra), waits until it has started, and returns it. */
export async function startMatiFor(target: ProcessTarget, extra: Record<string, string> = {}, startTimeoutMs = 60_000, options: StartOptions = {}): Promise<MatiProcess> {
  const mati = startMati(await settingsFor(target, extra), options);
  await mati.waitForLog(/"msg":"mati started"/, startTimeoutMs);
  return mati;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
