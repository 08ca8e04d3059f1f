/**
 * Results back to citizens: after each period (a month by default) everyone
 * who rated a service or filed a complaint in a commune receives a short
 * summary of that commune in their language, with a button to rate again
 * and one to stop them (also in /settings). The sending is jobs.ts; this is
 * the button.
 */
import { Composer } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { JobHandler } from "../../queue/workers.js";
import type { FeatureDeps } from "../index.js";
import { setCommuneResults } from "../onboarding/person.js";
import { resultsJobHandlers, startResultsSchedule, type ResultsLines } from "./jobs.js";
import { resultsKeyboard, STOP_RESULTS } from "./render.js";

export type { ResultsLines } from "./jobs.js";

export interface ResultsOptions {
  /** Lines other features add to the results (commitments done, the next forum). */
  lines?: ResultsLines;
}

export function resultsFeature(deps: FeatureDeps): Feature {
  const composer = new Composer<MatiContext>();
  composer.chatType("private").callbackQuery(STOP_RESULTS, async (ctx) => {
    if (!ctx.user?.onboardedAt) return ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
    await setCommuneResults(deps.db, ctx.user.id, false);
    await ctx.answerCallbackQuery({ text: ctx.t("settings.saved") });
    // The summary stays; only its stop button goes.
    await ctx.editMessageReplyMarkup({ reply_markup: resultsKeyboard(ctx.lang, false) }).catch(() => {});
    await ctx.reply(ctx.t("results.stopped"));
  });
  return { name: "results", composer };
}

function jobDeps(deps: FeatureDeps, options: ResultsOptions) {
  return { config: deps.config, db: deps.db, redis: deps.redis, queues: deps.queues, log: deps.log, lines: options.lines };
}

export function resultsJobs(deps: FeatureDeps, options: ResultsOptions = {}): Record<string, JobHandler> {
  return resultsJobHandlers(jobDeps(deps, options));
}

/** Called when workers start: the schedule, and the catch-up of a missed period. */
export function scheduleResults(deps: FeatureDeps, options: ResultsOptions = {}) {
  return startResultsSchedule(jobDeps(deps, options));
}
