/**
 * Prometheus metrics (prom-client): what the bot handled, how fast, what
 * failed; conversations started, completed and abandoned; jobs by queue and
 * state (read from BullMQ on each scrape); Telegram deliveries and 429s.
 *
 * Each app has its own registry (not prom-client's global one), so two apps in
 * one process (tests, a restart in-process) never share or clash on figures.
 * Labels are bounded sets (update types, conversation ids, queue and job
 * names): never a user, chat or complaint id.
 */
import type { Queue } from "bullmq";
import type { Transformer } from "grammy";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Route } from "./server.js";
import { isTelegramsAnswer } from "../bot/telegram-http.js";

/** The job states a queue reports (BullMQ getJobCounts). */
export const jobStates = ["waiting", "active", "delayed", "prioritized", "waiting-children", "paused", "completed", "failed"] as const;

/** rate_limited: a 429 that outlasted auto-retry, so the queue pauses and the job waits again. */
export type DeliveryOutcome = "sent" | "failed" | "blocked" | "rate_limited";
export type JobOutcome = "completed" | "failed" | "rate_limited";
export type ConversationEvent = "started" | "completed" | "abandoned";

export class Metrics {
  readonly registry = new Registry();
  private readonly updates = new Counter({
    name: "mati_updates_total",
    help: "Telegram updates handled, by update type",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  private readonly updateErrors = new Counter({
    name: "mati_update_errors_total",
    help: "Updates whose handling threw (the user got the generic apology), by update type",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  private readonly updateSeconds = new Histogram({
    name: "mati_update_duration_seconds",
    help: "Time to handle one update, from the error boundary in",
    labelNames: ["type"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly conversationEvents = new Counter({
    name: "mati_conversations_total",
    help: "Conversations started, completed (returned) and abandoned (/cancel or halted), by conversation",
    labelNames: ["conversation", "event"] as const,
    registers: [this.registry],
  });
  private readonly jobsProcessed = new Counter({
    name: "mati_jobs_processed_total",
    help: "Jobs this process ran, by queue, job name and outcome",
    labelNames: ["queue", "name", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly jobSeconds = new Histogram({
    name: "mati_job_duration_seconds",
    help: "Time to run one job, by queue and job name",
    labelNames: ["queue", "name"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: "mati_deliveries_total",
    help: "Queued Telegram sends, by outcome (sent, failed, blocked by the recipient, rate_limited by Telegram)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  private readonly telegram429 = new Counter({
    name: "mati_telegram_429_total",
    help: "429 Too Many Requests answers received from Telegram (every call, before auto-retry waits and retries)",
    registers: [this.registry],
  });

  constructor(queues: Record<string, Queue> = {}) {
    collectDefaultMetrics({ register: this.registry, prefix: "mati_" });
    const list = Object.entries(queues);
    new Gauge({
      name: "mati_jobs",
      help: "Jobs in each queue by state, read from Redis at scrape time",
      labelNames: ["queue", "state"] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = await Promise.all(list.map(async ([name, queue]) => [name, await queue.getJobCounts(...jobStates)] as const));
        for (const [queue, byState] of counts) for (const state of jobStates) this.set({ queue, state }, byState[state] ?? 0);
      },
    });
  }

  update(type: string, seconds: number, failed: boolean): void {
    this.updates.inc({ type });
    this.updateSeconds.observe({ type }, seconds);
    if (failed) this.updateErrors.inc({ type });
  }

  conversation(conversation: string, event: ConversationEvent): void {
    this.conversationEvents.inc({ conversation, event });
  }

  job(queue: string, name: string, seconds: number, outcome: JobOutcome): void {
    this.jobsProcessed.inc({ queue, name, outcome });
    this.jobSeconds.observe({ queue, name }, seconds);
  }

  delivery(outcome: DeliveryOutcome): void {
    this.deliveries.inc({ outcome });
  }

  /**
   * A Bot API transformer that counts Telegram's 429 answers. Install it
   * inside auto-retry (before it), so each 429 is seen even when auto-retry
   * then waits and succeeds. Inside conversations it also sees answers
   * replayed at each step: only those that came from Telegram count.
   */
  readonly telegramTransformer: Transformer = async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (!result.ok && result.error_code === 429 && isTelegramsAnswer(result)) this.telegram429.inc();
    return result;
  };
}

/** GET /metrics in the Prometheus text format. */
export function metricsRoute(metrics: Metrics): Route {
  return {
    method: "GET",
    path: "/metrics",
    handler: async (_req, res) => {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(body);
    },
  };
}
