/**
 * Worker start-up: one BullMQ worker per queue that has handlers, dispatching
 * on the job name. Telegram's error rules are applied in one place
 * (sendRespectingTelegram): a 429 pauses the whole queue for retry_after, a 403
 * fails the job for good, other 4xx fail it, 5xx and network errors retry.
 */
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import type { Logger } from "../log.js";
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

export async function closeWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.close()));
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
