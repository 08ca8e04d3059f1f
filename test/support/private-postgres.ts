/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl in a temporary
 * folder, on a free port), for stopping and restarting it without touching
 * the shared server. As root (CI), the server runs as the `postgres` user.
 */
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import postgres from "postgres";
import { runMigrations } from "../../src/db/client.js";
import { freePort } from "./process.js";

const run = promisify(execFile);

export interface PrivatePostgres {
  /** The URL of a database with every migration applied. */
  url: string;
  /** Stops the server at once (`-m immediate`: like a crash, connections are cut). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

function binaries(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binaries();
  const port = await freePort();
  const dir = mkdtempSync(`${tmpdir()}/mati-pg-`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) => (asRoot ? run("runuser", ["-u", "postgres", "--", `${bin}/${tool}`, ...args]) : run(`${bin}/${tool}`, args));
  const data = `${dir}/data`;
  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const start = async () => {
    await pg("pg_ctl", ["-D", data, "-l", `${dir}/log`, "-w", "-t", "30", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, "start"]);
  };
  const stop = async () => {
    await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
  };
  await start();
  const admin = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE mati`);
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:${port}/mati`;
  await runMigrations(url);
  return {
    url,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
