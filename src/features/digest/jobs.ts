/**
 * The digest queue: a job scheduler fires "digest-run" on DIGEST_CRON in the
 * configured time zone; a run enqueues one "digest-council" job per linked
 * council (deterministic ids, so two runs of one period add each job once);
 * the run computes every due council's figures in one pass (computeDigests)
 * and gives each job its own; each council job sends through deliverDigest,
 * which claims the period in Postgres first. At start the last scheduled period is caught up, so a week
 * missed while no worker ran is sent when one comes back.
 */
import { UnrecoverableError, type Queue } from "bullmq";
import type { Api } from "grammy";
import type { Config } from "../../config.js";
import type { Database } from "../../db/client.js";
import type { Logger } from "../../log.js";
import type { Queues } from "../../queue/queues.js";
import { sendRespectingTelegram, type JobHandler } from "../../queue/workers.js";
import { computeDigests, type DigestFigures } from "./compute.js";
import { councilAreas, councilsDue, deliverDigest, type DigestSections } from "./deliveries.js";
import { lastFullWeek, lastScheduledRun, weekAndBefore } from "./period.js";

export const DIGEST_SCHEDULER_ID = "weekly-digest";

export interface DigestJobDeps {
  db: Database;
  queues: Queues;
  config: Pick<Config, "TIMEZONE" | "DIGEST_CRON">;
  log: Logger;
  sections?: DigestSections;
}

interface RunData {
  /** The period's Monday; absent for the scheduler's runs (then: the last full week). */
  periodKey?: string;
  /** Councils linked after this instant wait for the next period (ISO). */
  linkedBy?: string;
}

export const councilJobId = (areaCode: string, periodKey: string) => `digest-${areaCode}-${periodKey}`;

/** Councils per pass when the run computes figures: bounds one query's memory and the jobs added at once. */
export const DIGEST_RUN_BATCH = 500;

interface CouncilJob {
  areaCode: string;
  periodKey: string;
  /** Computed by the run; the periods are rebuilt from periodKey (dates do not survive JSON). */
  figures?: Omit<DigestFigures, "periods">;
}

export async function enqueueCouncilDigest(queue: Queue, areaCode: string, periodKey: string): Promise<void> {
  await queue.add("digest-council", { areaCode, periodKey }, { jobId: councilJobId(areaCode, periodKey) });
}

/** Registers the weekly schedule (safe at every start) and catches up the last scheduled period. */
export async function startDigestSchedule(deps: DigestJobDeps, now = new Date()): Promise<{ caughtUp: string }> {
  const { queues, config } = deps;
  await queues.digest.upsertJobScheduler(
    DIGEST_SCHEDULER_ID,
    { pattern: config.DIGEST_CRON, tz: config.TIMEZONE },
    { name: "digest-run", data: {} },
  );
  const lastRun = lastScheduledRun(config.DIGEST_CRON, config.TIMEZONE, now);
  const periodKey = lastFullWeek(lastRun, config.TIMEZONE).current.key;
  const data: RunData = { periodKey, linkedBy: lastRun.toISOString() };
  await queues.digest.add("digest-run", data, { jobId: `digest-run-${periodKey}-${lastRun.getTime()}` });
  return { caughtUp: periodKey };
}

export function digestJobHandlers(deps: DigestJobDeps, api: Api): Record<string, JobHandler> {
  const { db, queues, config, log } = deps;
  return {
    "digest-run": async (job) => {
      const data = job.data as RunData;
      const now = new Date();
      const periodKey = data.periodKey ?? lastFullWeek(now, config.TIMEZONE).current.key;
      const linkedBy = data.linkedBy ? new Date(data.linkedBy) : now;
      const due = await councilsDue(db, periodKey, linkedBy);
      const periods = weekAndBefore(periodKey, config.TIMEZONE);
      for (let i = 0; i < due.length; i += DIGEST_RUN_BATCH) {
        const areas = await councilAreas(db, due.slice(i, i + DIGEST_RUN_BATCH).map((c) => c.areaCode));
        const figures = await computeDigests(db, areas, periods);
        await queues.digest.addBulk(
          areas.map((area) => {
            const { periods: _, ...own } = figures.get(area.code)!;
            const data: CouncilJob = { areaCode: area.code, periodKey, figures: own };
            return { name: "digest-council", data, opts: { jobId: councilJobId(area.code, periodKey) } };
          }),
        );
      }
      log.info({ period: periodKey, councils: due.length }, "digest run");
      return { periodKey, councils: due.length };
    },

    "digest-council": async (job, worker) => {
      const { areaCode, periodKey, figures } = job.data as CouncilJob;
      const periods = weekAndBefore(periodKey, config.TIMEZONE);
      return deliverDigest(
        {
          db,
          api,
          send: (send, onBlocked) => sendRespectingTelegram(worker, send, onBlocked),
          isFinal: (err) => err instanceof UnrecoverableError,
          timeZone: config.TIMEZONE,
          sections: deps.sections,
        },
        areaCode,
        periods,
        figures && { ...figures, periods },
      );
    },
  };
}
