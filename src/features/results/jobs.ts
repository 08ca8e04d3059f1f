/**
 * Citizens' results, on a schedule: a BullMQ job scheduler fires
 * "results-run" on RESULTS_CRON in the configured time zone; a run enqueues
 * one "results-commune" job per commune where someone took part in the
 * period just ended (deterministic ids, so two runs add each job once); each
 * commune job computes the commune's figures (computeDigest, as its council's
 * digest does) and starts one broadcast to its participants with the
 * deterministic key `results-<commune>-<period>`, so restarts and several
 * workers send it once. At start the last scheduled period is caught up.
 */
import { eq, sql } from "drizzle-orm";
import type { Config } from "../../config.js";
import type { Database } from "../../db/client.js";
import { broadcasts, type AudienceSpec } from "../../db/schema/index.js";
import { languages, type Language } from "../../i18n.js";
import type { Logger } from "../../log.js";
import type { Queues } from "../../queue/queues.js";
import type { JobHandler } from "../../queue/workers.js";
import type { Redis } from "ioredis";
import { countAudience, participation } from "../broadcast/audience.js";
import { startBroadcast } from "../broadcast/engine.js";
import { computeDigest, type CouncilArea } from "../digest/compute.js";
import { councilArea } from "../digest/deliveries.js";
import { lastScheduledRun } from "../digest/period.js";
import { resultsPeriodBefore, resultsPeriodContaining, type ResultsPeriod, type ResultsPeriodKind } from "./period.js";
import { resultsContent } from "./render.js";

export const RESULTS_SCHEDULER_ID = "commune-results";

/**
 * Extension point for other features' lines in citizens' results, one
 * language at a time (e.g. "Commitments done: 3", "Next forum: …"); they
 * follow the complaints line in the order given. Wired in features/index.ts.
 */
export type ResultsLines = (commune: CouncilArea, period: ResultsPeriod, lang: Language) => Promise<string[]>;

export interface ResultsDeps {
  config: Config;
  db: Database;
  redis: Redis;
  queues: Queues;
  log: Logger;
  lines?: ResultsLines;
}

interface RunData {
  kind?: ResultsPeriodKind;
  /** An instant inside the period; absent for the scheduler's runs (then: the last full period). */
  at?: string;
}

interface CommuneData {
  communeCode: string;
  kind: ResultsPeriodKind;
  at: string;
}

export const resultsKey = (communeCode: string, label: string) => `results-${communeCode}-${label}`;

/** Who a commune's results go to: everyone who took part in it during the period and still wants them. */
export function resultsAudience(communeCode: string, period: ResultsPeriod): AudienceSpec {
  const { start, end } = period.periods.current;
  return { kind: "commune_participants", communeCode, from: start.toISOString(), to: end.toISOString() };
}

/** Communes where someone rated or complained during the period. */
export async function communesWithParticipants(db: Database, period: ResultsPeriod): Promise<string[]> {
  const { start, end } = period.periods.current;
  const rows = await db.execute<{ commune_code: string }>(
    sql`select distinct p.commune_code from ${participation({ from: start.toISOString(), to: end.toISOString() })} p order by 1`,
  );
  return rows.map((r) => r.commune_code);
}

/** Registers the schedule (safe at every start) and catches up the last scheduled period. */
export async function startResultsSchedule(deps: ResultsDeps, now = new Date()): Promise<{ caughtUp: string }> {
  const { queues, config } = deps;
  const kind = config.RESULTS_PERIOD;
  await queues.digest.upsertJobScheduler(
    RESULTS_SCHEDULER_ID,
    { pattern: config.RESULTS_CRON, tz: config.TIMEZONE },
    { name: "results-run", data: { kind } satisfies RunData },
  );
  const lastRun = lastScheduledRun(config.RESULTS_CRON, config.TIMEZONE, now);
  const period = resultsPeriodBefore(kind, lastRun, config.TIMEZONE);
  const data: RunData = { kind, at: period.periods.current.start.toISOString() };
  await queues.digest.add("results-run", data, { jobId: `results-run-${period.label}` });
  return { caughtUp: period.label };
}

/** Sends one commune's results for one period to its participants, once (the broadcast's key decides). */
export async function sendCommuneResults(deps: ResultsDeps, communeCode: string, period: ResultsPeriod) {
  const { db, config } = deps;
  const dedupeKey = resultsKey(communeCode, period.label);
  if (await db.query.broadcasts.findFirst({ where: eq(broadcasts.dedupeKey, dedupeKey), columns: { id: true } })) return { skipped: "already" as const };
  const commune = await councilArea(db, communeCode);
  if (commune?.level !== "commune") return { skipped: "not a commune" as const };
  const audience = resultsAudience(communeCode, period);
  if ((await countAudience(db, audience)) === 0) return { skipped: "nobody" as const };
  const figures = await computeDigest(db, commune, period.periods);
  const extraLines = Object.fromEntries(
    await Promise.all(languages.map(async (lang) => [lang, deps.lines ? await deps.lines(commune, period, lang) : []] as const)),
  ) as Record<Language, string[]>;
  const broadcast = await startBroadcast(deps, {
    kind: "commune_results",
    dedupeKey,
    content: resultsContent(figures, period, { timeZone: config.TIMEZONE, extraLines }),
    audience,
  });
  return { broadcastId: broadcast.id };
}

export function resultsJobHandlers(deps: ResultsDeps): Record<string, JobHandler> {
  const { db, queues, config, log } = deps;
  return {
    "results-run": async (job) => {
      const data = job.data as RunData;
      const kind = data.kind ?? config.RESULTS_PERIOD;
      const period = data.at ? resultsPeriodContaining(kind, new Date(data.at), config.TIMEZONE) : resultsPeriodBefore(kind, new Date(), config.TIMEZONE);
      const communes = await communesWithParticipants(db, period);
      const at = period.periods.current.start.toISOString();
      await queues.digest.addBulk(
        communes.map((communeCode) => ({
          name: "results-commune",
          data: { communeCode, kind, at } satisfies CommuneData,
          opts: { jobId: resultsKey(communeCode, period.label) },
        })),
      );
      log.info({ period: period.label, communes: communes.length }, "commune results run");
      return { period: period.label, communes: communes.length };
    },

    "results-commune": async (job) => {
      const { communeCode, kind, at } = job.data as CommuneData;
      return sendCommuneResults(deps, communeCode, resultsPeriodContaining(kind, new Date(at), config.TIMEZONE));
    },
  };
}
