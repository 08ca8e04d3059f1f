/**
 * Worker start-up: one BullMQ worker per queue that has handlers, dispatching
 * on the job name. Telegram's error rules are applied in one place
 * (sendRespectingTelegram): a 429 pauses the whole queue for retry_after, a 403
 * fails the job for good, other 4xx fail it, 5xx and network errors retry.
 */
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { withTimeout } from "../timeout.js";
import { bullPrefix, type QueueName } from "./queues.js";
import { classifySendError } from "./telegram-errors.js";

export type JobHandler = (job: Job, worker: Worker) => Promise<unknown>;
export type JobHandlers = Partial<Record<QueueName, Record<string, JobHandler>>>;

/** Told about every job and every queued Telegram send (metrics); optional. */
export interface WorkerObserver {
  job(queue: string, name: string, seconds: number, outcome: "completed" | "failed" | "rate_limited"): void;
  delivery(outcome: "sent" | "failed" | "blocked" | "rate_limited"): void;
}

/** Which observer a worker reports to: sendRespectingTelegram gets the worker, not the options. */
const observers = new WeakMap<Worker, WorkerObserver>();

export interface WorkerOptions {
  connection: ConnectionOptions;
  redisPrefix: string;
  handlers: JobHandlers;
  log: Logger;
  concurrency?: Partial<Record<QueueName, number>>;
  limiter?: Partial<Record<QueueName, { max: number; duration: number }>>;
  observer?: WorkerObserver;
}

export function startWorkers(options: WorkerOptions): Worker[] {
  const workers: Worker[] = [];
  for (const [queueName, byName] of Object.entries(options.handlers) as [QueueName, Record<string, JobHandler>][]) {
    const worker: Worker = new Worker(
      queueName,
      async (job) => {
        const handler = byName[job.name];
        if (!handler) throw new UnrecoverableError(`no handler for ${queueName}/${job.name}`);
        const started = performance.now();
        let outcome: "completed" | "failed" | "rate_limited" = "failed";
        try {
          const result = await handler(job, worker);
          outcome = "completed";
          return result;
        } catch (err) {
          if ((err as Error).name === "RateLimitError") outcome = "rate_limited";
          throw err;
        } finally {
          const ms = performance.now() - started;
          options.observer?.job(queueName, job.name, ms / 1000, outcome);
          options.log.info({ queue: queueName, job: job.name, job_id: job.id, attempt: job.attemptsMade + 1, outcome, ms: Math.round(ms) }, "job");
        }
      },
      {
        connection: options.connection,
        prefix: bullPrefix(options.redisPrefix),
        concurrency: options.concurrency?.[queueName] ?? 5,
        limiter: options.limiter?.[queueName],
      },
    );
    if (options.observer) observers.set(worker, options.observer);
    worker.on("failed", (job, err) => {
      if (err.name !== "RateLimitError") options.log.warn({ queue: queueName, job_id: job?.id, err: err.message }, "job failed");
    });
    worker.on("error", (err) => options.log.error({ queue: queueName, err: err.message }, "worker error"));
    workers.push(worker);
  }
  return workers;
}

/** Closes workers: each stops taking jobs and waits for its jobs in flight. */
export async function closeWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      await untilBlockingClientHasSocket(worker);
      await worker.close();
    }),
  );
}

/** Longer than one reconnect delay (createRedis caps them at 2 s), so a parked client is seen to try. */
const PARKED_CLIENT_WAIT_MS = 5_000;

/**
 * Worker.close() interrupts the worker's blocking read by disconnecting its own Redis client
 * and waiting for ioredis's "end". A client parked between two reconnect attempts (Redis just
 * restarted, or down) has no socket: ioredis then cancels the retry and never says "end", so
 * close() would never resolve (taskforcesh/bullmq#4656, still open for 5.x) and shutdown hangs.
 * Waiting for the client's next attempt (at most one reconnect delay) gives it a socket to
 * drop, and close() ends as it should. BullMQ keeps that connection internal, hence the cast.
 */
async function untilBlockingClientHasSocket(worker: Worker): Promise<void> {
  const internals = worker as unknown as { blockingConnection?: { client: Promise<Redis> } };
  if (!internals.blockingConnection) return;
  // Past either bound close() is called anyway, and main.ts's shutdown deadline still holds.
  const client = await withTimeout(internals.blockingConnection.client, PARKED_CLIENT_WAIT_MS, "worker's blocking client").catch(() => undefined);
  if (client?.status !== "reconnecting") return;
  // Not events.once: that gives up on the "error" a refused attempt emits.
  const nextAttempt = new Promise((resolve) => client.once("connecting", resolve));
  await withTimeout(nextAttempt, PARKED_CLIENT_WAIT_MS, "reconnect attempt").catch(() => undefined);
}

/**
 * Runs one Bot API send inside a job. On 429 the queue as a whole waits
 * retry_after and the job goes back to waiting (not counted as an attempt);
 * on 403 `onBlocked` runs and the job fails without retries.
 */
export async function sendRespectingTelegram<T>(
  worker: Worker,
  send: () => Promise<T>,
  onBlocked: (description: string) => Promise<void>,
  /** Told of a 429's wait before the queue pauses, e.g. to hold a pace shared with other queues. */
  onRateLimited?: (retryAfterMs: number) => Promise<void>,
): Promise<T> {
  const observer = observers.get(worker);
  try {
    const sent = await send();
    observer?.delivery("sent");
    return sent;
  } catch (err) {
    const failure = classifySendError(err);
    observer?.delivery(failure.kind === "rate_limited" ? "rate_limited" : failure.kind === "blocked" ? "blocked" : "failed");
    switch (failure.kind) {
      case "rate_limited":
        await onRateLimited?.(failure.retryAfterMs);
        await worker.rateLimit(failure.retryAfterMs);
        throw Worker.RateLimitError();
      case "blocked":
        await onBlocked(failure.description);
        throw new UnrecoverableError(`blocked: ${failure.description}`);
      case "permanent":
        throw new UnrecoverableError(failure.description);
      case "transient":
        throw err;
    }
  }
}
