/** A Redis server of the test's own (for stopping and restarting it without touching the shared one). */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { Redis } from "ioredis";
import { freePort } from "./process.js";

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * `persistent`: append-only file synced on every write, as production runs
 * Redis (README), so a restart keeps queues and conversation state; without
 * it a restart empties Redis.
 */
export async function startPrivateRedis(options: { persistent?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const persistence = options.persistent
    ? ["--dir", mkdtempSync(`${tmpdir()}/mati-redis-`), "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction"]
    : ["--appendonly", "no"];
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence], { stdio: "ignore" });
    const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
    probe.on("error", () => {}); // refusals are expected until the server is up
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect().catch(() => {});
        if ((await probe.ping()) === "PONG") break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    probe.disconnect();
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: async () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return; // already stopped
      const exiting = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGKILL");
      await exiting;
    },
  };
}
