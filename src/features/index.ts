/**
 * The list of features the bot is made of, and the job handlers the worker
 * runs. A new feature adds itself here (one line each) and nowhere else in
 * the wiring.
 */
import type { Feature } from "../bot/feature.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { Language } from "../i18n.js";
import type { Logger } from "../log.js";
import type { Queues } from "../queue/queues.js";
import type { JobHandlers } from "../queue/workers.js";
import type { Api } from "grammy";
import type { Redis } from "ioredis";
import { onboardingFeature } from "./onboarding/index.js";
import { notifyHandlers } from "./notify/jobs.js";
import { broadcastFeature } from "./broadcast/index.js";
import { broadcastJobHandlers, broadcastWorkerSettings } from "./broadcast/engine.js";
import { renderProgress } from "./broadcast/report.js";
import { forumsFeature } from "./forums/index.js";
import { forumJobHandlers } from "./forums/jobs.js";
import type { WorkerOptions } from "../queue/workers.js";

/** What features are built from: no globals, everything passed in. */
export interface FeatureDeps {
  config: Config;
  db: Database;
  redis: Redis;
  queues: Queues;
  log: Logger;
}

/**
 * Order matters: features see updates in this order. Onboarding comes last so
 * that a feature owning a /start deep-link payload (e.g. "v_…") answers first.
 */
export function allFeatures(deps: FeatureDeps): Feature[] {
  return [broadcastFeature(deps), forumsFeature(deps), onboardingFeature(deps.db)];
}

/** A group's language, for groups that councils linked (Khmer otherwise). */
export function groupLanguageLookup(_deps: FeatureDeps): (chatId: number) => Promise<Language | undefined> {
  return async () => undefined;
}

export function allJobHandlers(deps: FeatureDeps, api: Api): JobHandlers {
  const engine = broadcastJobHandlers(deps, api, renderProgress);
  return {
    notify: { ...notifyHandlers(deps.db, api) },
    broadcast: { ...engine.broadcast },
    reminders: { ...engine.reminders, ...forumJobHandlers(deps) },
  };
}

/** Per-queue pace and parallelism (the broadcast queue's rate comes from config). */
export function workerSettings(deps: FeatureDeps): Pick<WorkerOptions, "concurrency" | "limiter"> {
  const broadcast = broadcastWorkerSettings(deps.config);
  return { concurrency: { broadcast: broadcast.concurrency }, limiter: { broadcast: broadcast.limiter } };
}
