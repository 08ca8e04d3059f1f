/**
 * Compiles a benchmark's bot process to plain JavaScript (tsconfig.bench.json → build/bench),
 * so that what is measured is what production runs (`node dist/main.js`), not the TypeScript
 * loader (tsx keeps a loader thread and esbuild in memory: some 50 MB of RSS).
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, symlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${repoRoot}build/bench`;

/** The compiled path of `source` (relative to the repository, e.g. "bench/updates-bot.ts"). */
export function compiledForBench(source: string): string {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(`${repoRoot}node_modules/.bin/tsc`, ["-p", `${repoRoot}tsconfig.bench.json`], { stdio: "inherit" });
  // The app finds its locales and migrations next to its own folder, as in the repository.
  for (const dir of ["locales", "migrations"]) if (!existsSync(`${outDir}/${dir}`)) symlinkSync(`${repoRoot}${dir}`, `${outDir}/${dir}`);
  return `${outDir}/${source.replace(/\.ts$/, ".js")}`;
}
