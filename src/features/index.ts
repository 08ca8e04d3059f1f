/**
 * The list of features the bot is made of, and the job handlers the worker
 * runs. A new feature adds itself here (one line each) and nowhere else in
 * the wiring.
 */
import type { Feature } from "../bot/feature.js";
export { CommandMenus };
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { formatDateTime, formatNumber, translator, type Language } from "../i18n.js";
import type { Logger } from "../log.js";
import type { Queues } from "../queue/queues.js";
import type { JobHandlers } from "../queue/workers.js";
import type { Api } from "grammy";
import type { Redis } from "ioredis";
import { complaintsFeature, complaintsJobHandlers, deliverWaitingComplaints } from "./complaints/index.js";
import { groupLanguage } from "./councils/councils.js";
import { councilsFeature } from "./councils/index.js";
import { onboardingFeature } from "./onboarding/index.js";
import { CommandMenus } from "./users/command-menus.js";
import { exportsFeature, exportsJobHandlers, uploadLimitOf } from "./exports/index.js";
import { ratingFeature } from "./rating/index.js";
import { rolesFeature } from "./roles/index.js";
import { volunteersFeature } from "./volunteers/index.js";
import { settingsFeature } from "./settings/index.js";
import { notifyHandlers } from "./notify/jobs.js";
import { digestFeature, digestJobs, scheduleDigests, type DigestOptions } from "./digest/index.js";
import { broadcastFeature } from "./broadcast/index.js";
import { broadcastJobHandlers, broadcastWorkerSettings } from "./broadcast/engine.js";
import { renderProgress } from "./broadcast/report.js";
import { upcomingForumsInArea } from "./forums/forums.js";
import { forumsFeature } from "./forums/index.js";
import { forumTitle } from "./forums/messages.js";
import { forumJobHandlers } from "./forums/jobs.js";
import type { WorkerOptions } from "../queue/workers.js";
import { resultsFeature, resultsJobs, scheduleResults, type ResultsOptions } from "./results/index.js";
import { commitmentCountsForCommune, commitmentDigestSections, commitmentsFeature, commitmentsJobHandlers, postWaitingCommitments } from "./commitments/index.js";

/** What features are built from: no globals, everything passed in. */
export interface FeatureDeps {
  /** Telegram's command menus; filled with every feature's commands by allFeatures. */
  commandMenus: CommandMenus;
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
  const features: Feature[] = [];
  // Onboarding builds the main menu from every feature's entries and calls
  // every feature's forget hook: it reads this list when it needs it.
  features.push(
    councilsFeature(deps, {
      // Complaints waiting for the council are counted in the group's welcome; open commitments are posted too.
      onLinked: async (council) => {
        await postWaitingCommitments(deps.queues, deps.db, council);
        return deliverWaitingComplaints(deps)(council);
      },
    }),
    complaintsFeature(deps),
    ratingFeature(deps),
    rolesFeature(deps),
    volunteersFeature(deps),
    forumsFeature(deps),
    commitmentsFeature(deps),
    broadcastFeature(deps),
    settingsFeature(deps.db, { resultsPeriod: deps.config.RESULTS_PERIOD }),
    digestFeature(deps, digestOptions(deps)),
    resultsFeature(deps),
    exportsFeature(deps),
    onboardingFeature({ db: deps.db, features: () => features }),
  );
  deps.commandMenus.entries = features.flatMap((f) => f.commands ?? []);
  return features;
}

/** A group's language, for groups that councils linked (Khmer otherwise). */
export function groupLanguageLookup(deps: FeatureDeps): (chatId: number) => Promise<Language | undefined> {
  return (chatId) => groupLanguage(deps.db, chatId);
}

export function allJobHandlers(deps: FeatureDeps, api: Api): JobHandlers {
  const engine = broadcastJobHandlers(deps, api, renderProgress);
  const commitments = commitmentsJobHandlers(deps, api);
  return {
    notify: { ...notifyHandlers(deps.db, api), ...complaintsJobHandlers(deps, api), ...commitments.notify },
    digest: { ...digestJobs(deps, api, digestOptions(deps)), ...resultsJobs(deps, resultsOptions(deps)) },
    broadcast: { ...engine.broadcast },
    reminders: { ...engine.reminders, ...forumJobHandlers(deps), ...commitments.reminders },
    exports: exportsJobHandlers({ db: deps.db, timeZone: deps.config.TIMEZONE, uploadLimit: uploadLimitOf(deps.config.TELEGRAM_API_ROOT) }, api),
  };
}

/**
 * What other features add to council digests: the forums coming up in the
 * council's area, and its commitments (overdue, due soon, done with the
 * citizens' verification). Sections with nothing in them are left out.
 */
function digestOptions(deps: FeatureDeps): DigestOptions {
  return {
    sections: async (area, _periods, lang) => {
      const upcoming = await upcomingForumsInArea(deps.db, area.code);
      const lines = upcoming.map((forum) => `${forumTitle(forum, lang)}: ${formatDateTime(forum.startsAt, lang, deps.config.TIMEZONE)}, ${forum.venue}`);
      return [{ heading: "upcoming", lines }, ...(await commitmentDigestSections(deps.db, area.code, lang, deps.config.TIMEZONE))];
    },
  };
}

/**
 * What other features add to citizens' results, in this order: the
 * commune's commitments (done in the period, still open; no line when it has
 * none) and the next forum for the commune (none: no line).
 */
function resultsOptions(deps: FeatureDeps): ResultsOptions {
  return {
    lines: async (commune, period, lang) => {
      const t = translator(lang);
      const lines: string[] = [];
      const pledged = await commitmentCountsForCommune(deps.db, commune.code, period.periods.current);
      if (pledged.done + pledged.open > 0) {
        lines.push(t("results.commitments", { done: formatNumber(pledged.done, lang), open: formatNumber(pledged.open, lang) }));
      }
      const [next] = await upcomingForumsInArea(deps.db, commune.code, new Date(), 1);
      if (next) {
        const when = formatDateTime(next.startsAt, lang, deps.config.TIMEZONE);
        lines.push(t("results.next_forum", { title: forumTitle(next, lang), when, venue: next.venue }));
      }
      return lines;
    },
  };
}

/** Scheduled work that starts with the workers: the weekly digest, citizens' results (and their catch-up). */
export async function startSchedules(deps: FeatureDeps): Promise<void> {
  await scheduleDigests(deps, digestOptions(deps));
  await scheduleResults(deps, resultsOptions(deps));
}

/** Per-queue pace and parallelism (the broadcast queue's rate comes from config). */
export function workerSettings(deps: FeatureDeps): Pick<WorkerOptions, "concurrency" | "limiter"> {
  const broadcast = broadcastWorkerSettings(deps.config);
  return { concurrency: { broadcast: broadcast.concurrency }, limiter: { broadcast: broadcast.limiter } };
}
