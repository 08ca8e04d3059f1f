/**
 * npm run bench — bench:updates, bench:broadcast and bench:digest one after
 * the other (never at once: they would share the CPU), each as a child
 * process with this environment (BENCH_N, RATINGS, COMPLAINTS, BENCH_USERS …
 * make a quick run), then a one-screen summary: each benchmark's final table
 * as it printed it on stdout. Progress goes to stderr as it happens.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const benches = (process.env.BENCHES ?? "updates,broadcast,digest").split(",").map((b) => b.trim()).filter(Boolean);

interface Outcome {
  name: string;
  code: number | null;
  seconds: number;
  table: string[];
}

/** The bench's final table: what follows its last blank line, or its last lines (at most 16). */
function finalTable(stdout: string): string[] {
  const lines = stdout.replace(/\s+$/, "").split("\n");
  const lastBlank = lines.map((l) => l.trim()).lastIndexOf("");
  return (lastBlank >= 0 ? lines.slice(lastBlank + 1) : lines.slice(-8)).slice(-16);
}

function run(name: string): Promise<Outcome> {
  const started = performance.now();
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"], env: process.env });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on("close", (code) => resolve({ name, code, seconds: (performance.now() - started) / 1000, table: finalTable(stdout) }));
  });
}

const outcomes: Outcome[] = [];
for (const name of benches) {
  process.stderr.write(`\n── bench:${name} ──\n`);
  outcomes.push(await run(name));
}

console.log(`\n════ npm run bench: ${outcomes.map((o) => `${o.name} ${o.seconds.toFixed(0)} s`).join(", ")} ════`);
for (const o of outcomes) {
  console.log(`\n▸ bench:${o.name}${o.code === 0 ? "" : ` — FAILED (exit ${o.code})`}`);
  for (const line of o.table) console.log(`  ${line}`);
}
process.exit(outcomes.every((o) => o.code === 0) ? 0 : 1);
