/**
 * BENCH_TRACE=1 for bench:updates: where each update's time goes. For every
 * update it adds up how long the bot waited on Postgres and on Redis, at the
 * socket (from a write on a connection to the next data that comes back on
 * it), and on the Bot API (undici's request events, from the request to the
 * end of its answer), charged to the update that asked (AsyncLocalStorage).
 * What is left of the update's span is the bot's own CPU and its waiting for
 * the event loop (other updates' CPU, GC).
 *
 * Waits are added up, and approximate by design: an update that waits on
 * two things at once (queries in parallel) counts both, and a round trip
 * shared by several updates (Redis autopipelining, a query written later on
 * a busy connection, from whichever update is running then) is charged to one
 * of them. At a steady load that is close enough to tell whether the slow
 * updates are slow because of a service or because of the process itself;
 * flat out, the waits can add up to more than the span ("own" below zero).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { channel } from "node:diagnostics_channel";
import { Socket } from "node:net";

export interface Waits {
  postgres: number;
  redis: number;
  api: number;
}
export interface WaitBreakdown {
  /** How many updates the row covers. */
  n: number;
  span: number;
  waits: Waits;
  /** span minus the waits: CPU, and waiting for the event loop. */
  own: number;
}

const current = new AsyncLocalStorage<Waits>();
const pending = new WeakMap<Socket, { waits: Waits; since: number }>();

/** Which service a socket talks to, by its port. */
export const serviceOf = (socket: Socket): "postgres" | "redis" | undefined =>
  socket.remotePort === 5432 ? "postgres" : socket.remotePort === 6379 ? "redis" : undefined;

const writeWatchers: ((socket: Socket) => void)[] = [];

/** Calls `seen` with each socket about to be written to (postgres.js and ioredis write a request at once: one write, one round trip). */
export function watchSocketWrites(seen: (socket: Socket) => void): void {
  if (writeWatchers.length === 0) {
    const write = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      for (const watcher of writeWatchers) watcher(this);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof Socket.prototype.write;
  }
  writeWatchers.push(seen);
}

/** Starts charging round trips to the update running when each was asked for. */
export function installWaitTrace(): void {
  // Postgres and Redis: postgres.js and ioredis read their sockets with 'data' listeners, so one more does no harm.
  watchSocketWrites((socket) => {
    const waits = current.getStore();
    const kind = serviceOf(socket);
    if (!waits || !kind || pending.has(socket)) return;
    if (!(socket as { traced?: boolean }).traced) {
      (socket as { traced?: boolean }).traced = true;
      socket.prependListener("data", () => {
        const open = pending.get(socket);
        if (!open) return;
        pending.delete(socket);
        open.waits[kind] += performance.now() - open.since;
      });
    }
    pending.set(socket, { waits, since: performance.now() });
  });
  // The Bot API: undici reads its sockets itself (a 'data' listener would break it), but it reports each request.
  const asked = new WeakMap<object, { waits: Waits; since: number }>();
  channel("undici:request:create").subscribe((event) => {
    const waits = current.getStore();
    if (waits) asked.set((event as { request: object }).request, { waits, since: performance.now() });
  });
  const answered = (event: unknown) => {
    const request = (event as { request: object }).request;
    const open = asked.get(request);
    if (!open) return;
    asked.delete(request);
    open.waits.api += performance.now() - open.since;
  };
  channel("undici:request:trailers").subscribe(answered);
  channel("undici:request:error").subscribe(answered);
}

/** Runs one update with its waits counted. */
export function traced<T>(run: () => Promise<T>): { waits: Waits; done: Promise<T> } {
  const waits: Waits = { postgres: 0, redis: 0, api: 0 };
  return { waits, done: current.run(waits, run) };
}

/** The average breakdown of the slowest 1% of updates against the middle half. */
export function summariseWaits(updates: { span: number; waits: Waits }[]): { slowest: WaitBreakdown; middle: WaitBreakdown } {
  const sorted = [...updates].sort((a, b) => a.span - b.span);
  const average = (rows: typeof sorted): WaitBreakdown => {
    const n = Math.max(1, rows.length);
    const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / n;
    const waits = { postgres: sum((r) => r.waits.postgres), redis: sum((r) => r.waits.redis), api: sum((r) => r.waits.api) };
    const span = sum((r) => r.span);
    return { n: rows.length, span, waits, own: span - waits.postgres - waits.redis - waits.api };
  };
  const q = (p: number) => Math.floor(sorted.length * p);
  return { slowest: average(sorted.slice(q(0.99))), middle: average(sorted.slice(q(0.25), q(0.75))) };
}
