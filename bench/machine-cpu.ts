/**
 * Where the machine's CPU went during a benchmark phase (Linux, from /proc):
 * the whole machine's busy share and what the hypervisor took (steal), and
 * the CPU time of Postgres and Redis, which share the machine with the bot
 * under test and with the benchmark's own process (the simulated users and
 * the Bot API stand-in).
 *
 * Why: updates/s measured on a small machine is bounded by everything on
 * it, not by the bot alone. Per update, these say how much of the machine
 * one update takes in all, and so what the machine could give at best.
 * Elsewhere than Linux the figures are left out.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export interface CpuSnapshot {
  /** Jiffies of the whole machine: all, idle (with iowait), steal. */
  machine: { total: number; idle: number; steal: number } | undefined;
  /** CPU ms of the named services' processes (exited children they waited for included). */
  services: Record<string, number>;
  /** CPU ms of this process. */
  self: number;
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function machineJiffies(): CpuSnapshot["machine"] {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
    return { total: user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!, idle: idle! + iowait!, steal: steal! };
  } catch {
    return undefined;
  }
}

/** CPU ms so far of every process whose command name matches, by service. */
function serviceCpu(services: Record<string, RegExp>): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(Object.keys(services).map((s) => [s, 0]));
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const service = Object.keys(services).find((s) => services[s]!.test(name));
    if (!service) continue;
    // After "(name) ": state, ppid, … utime is the 12th field, then stime, cutime, cstime.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const jiffies = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    totals[service]! += (jiffies / ticksPerSecond) * 1000;
  }
  return totals;
}

const SERVICES = { postgres: /^postgres/, redis: /^redis-server/ };

export function cpuSnapshot(): CpuSnapshot {
  const self = process.cpuUsage();
  return { machine: machineJiffies(), services: serviceCpu(SERVICES), self: (self.user + self.system) / 1000 };
}

/** One line: the machine's busy share over the phase, and CPU ms per update of the bot, the benchmark itself and each service. */
export function describeCpu(before: CpuSnapshot, after: CpuSnapshot, updates: number, botCpuMs: number): string | undefined {
  if (!before.machine || !after.machine) return undefined;
  const total = after.machine.total - before.machine.total;
  const steal = after.machine.steal - before.machine.steal;
  // Steal is time the machine wanted and the hypervisor gave elsewhere: no process's CPU.
  const busy = total - (after.machine.idle - before.machine.idle) - steal;
  const perUpdate = (ms: number) => (ms / updates).toFixed(2);
  const services = Object.keys(after.services).map((s) => `${s} ${perUpdate(after.services[s]! - (before.services[s] ?? 0))}`);
  return (
    `${availableParallelism()} cores ${((busy / total) * 100).toFixed(0)}% busy (steal ${((steal / total) * 100).toFixed(0)}%); ` +
    `CPU ms per update: bot ${perUpdate(botCpuMs)}, simulated users and Bot API stand-in ${perUpdate(after.self - before.self)}, ${services.join(", ")}`
  );
}
