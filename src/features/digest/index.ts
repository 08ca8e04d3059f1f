/**
 * Weekly digests for council groups, and the same figures on demand:
 * /stats in a linked group (this week so far), /digest CODE for staff in a
 * private chat (the last full week, with a button to send it to the group
 * now), /compare DISTRICT for staff (its communes ranked by % satisfied).
 */
import type { Api } from "grammy";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import { formatDateTime, formatNumber, fromKhmerDigits } from "../../i18n.js";
import type { JobHandler } from "../../queue/workers.js";
import { MIN_RATINGS_SHOWN } from "../catalogue/scale.js";
import { areaLabel } from "../areas/names.js";
import { councilByGroup, councilForArea, councilName } from "../councils/councils.js";
import type { FeatureDeps } from "../index.js";
import { hasRole } from "../users/users.js";
import { compareCommunes } from "./compute.js";
import { buildDigest, councilArea, deliveryFor, type Digest, type DigestSections } from "./deliveries.js";
import { digestJobHandlers, enqueueCouncilDigest, startDigestSchedule } from "./jobs.js";
import { lastFullWeek, weekSoFar } from "./period.js";
import { formatPeriod, trendText } from "./render.js";

export { computeDigest } from "./compute.js";
export { renderDigestText } from "./render.js";
export { renderDigestChart } from "./chart.js";
export { deliverDigest, type DigestSections } from "./deliveries.js";
export type { DigestSection } from "./render.js";

export interface DigestOptions {
  /** Lines other features add to every digest (the forums feature: upcoming forums in the area). */
  sections?: DigestSections;
}

const areaCodeArg = (text: string) => fromKhmerDigits(text.trim());

export function digestFeature(deps: FeatureDeps, options: DigestOptions = {}): Feature {
  const { db, config } = deps;
  const timeZone = config.TIMEZONE;
  const composer = new Composer<MatiContext>();
  const groups = composer.chatType(["group", "supergroup"]);
  const dm = composer.chatType("private");

  const sendDigest = async (ctx: MatiContext, digest: Digest, caption: string, extra: { reply_markup?: InlineKeyboard } = {}) => {
    const message = await ctx.reply(digest.text, extra.reply_markup ? { reply_markup: extra.reply_markup } : {});
    await ctx.replyWithPhoto(new InputFile(digest.chart, "digest.png"), {
      caption,
      reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
    });
  };

  // ── Council groups: this week so far ─────────────────────────────────────
  groups.command("stats", async (ctx) => {
    const council = await councilByGroup(db, ctx.chat.id);
    const area = council && (await councilArea(db, council.areaCode));
    if (!council || !area) return ctx.reply(ctx.t("digest.not_linked"));
    const lang = council.language;
    const digest = await buildDigest(db, area, weekSoFar(new Date(), timeZone), lang, { timeZone, sections: options.sections });
    await sendDigest(ctx, digest, ctx.t("digest.chart_caption", { council: councilName(area, lang) }));
  });

  // ── Staff: any council's digest now ──────────────────────────────────────
  dm.command("digest", async (ctx) => {
    if (!hasRole(ctx.user, "staff")) return ctx.reply(ctx.t("digest.staff_only"));
    const code = areaCodeArg(ctx.match);
    if (!/^\d{4}$|^\d{6}$/.test(code)) return ctx.reply(ctx.t("digest.digest_usage"));
    const area = await councilArea(db, code);
    if (!area) return ctx.reply(ctx.t("digest.unknown_area", { code }));
    const periods = lastFullWeek(new Date(), timeZone);
    const digest = await buildDigest(db, area, periods, ctx.lang, { timeZone, sections: options.sections });
    const council = await councilForArea(db, code);
    const delivery = council?.groupChatId ? await deliveryFor(db, code, periods.current.key) : undefined;
    const status = !council?.groupChatId
      ? ctx.t("digest.group_none")
      : delivery?.sentAt
        ? ctx.t("digest.group_sent", { date: formatDateTime(delivery.sentAt, ctx.lang, timeZone) })
        : ctx.t("digest.group_waiting");
    await sendDigest(ctx, digest, ctx.t("digest.chart_caption", { council: councilName(area, ctx.lang) }));
    const canSend = council?.groupChatId && !delivery;
    await ctx.reply(ctx.t("digest.preview_note", { status }), canSend ? { reply_markup: new InlineKeyboard().text(ctx.t("digest.button_send"), `dg:s:${code}`) } : {});
  });

  dm.callbackQuery(/^dg:s:(\d{4}|\d{6})$/, async (ctx) => {
    if (!hasRole(ctx.user, "staff")) return ctx.answerCallbackQuery({ text: ctx.t("digest.staff_only") });
    const code = ctx.match[1]!;
    const council = await councilForArea(db, code);
    if (!council?.groupChatId) return ctx.answerCallbackQuery({ text: ctx.t("digest.send_no_group") });
    const { current } = lastFullWeek(new Date(), timeZone);
    if (await deliveryFor(db, code, current.key)) return ctx.answerCallbackQuery({ text: ctx.t("digest.send_already") });
    await enqueueCouncilDigest(deps.queues.digest, code, current.key);
    await ctx.answerCallbackQuery({ text: ctx.t("digest.send_queued") });
    await ctx.editMessageReplyMarkup().catch(() => {});
  });
  // A forged or stale digest button still gets an answer.
  composer.callbackQuery(/^dg:/, (ctx) => ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") }));

  // ── Staff: a district's communes side by side ────────────────────────────
  dm.command("compare", async (ctx) => {
    if (!hasRole(ctx.user, "staff")) return ctx.reply(ctx.t("digest.staff_only"));
    const code = areaCodeArg(ctx.match);
    if (!/^\d+$/.test(code)) return ctx.reply(ctx.t("digest.compare_usage"));
    const district = await councilArea(db, code);
    if (!district) return ctx.reply(ctx.t("digest.unknown_area", { code }));
    if (district.level !== "district") return ctx.reply(ctx.t("digest.not_a_district", { code }));
    const periods = lastFullWeek(new Date(), timeZone);
    const communes = await compareCommunes(db, code, periods);
    const n = (v: number) => formatNumber(v, ctx.lang);
    const lines = [ctx.t("digest.compare_title", { district: areaLabel(district, ctx.lang), range: formatPeriod(periods.current, ctx.lang, timeZone) }), ""];
    const ranked = communes.filter((c) => c.current.shown);
    ranked.forEach((c, i) => {
      if (!c.current.shown) return;
      lines.push(
        ctx.t("digest.compare_line", {
          rank: n(i + 1),
          commune: areaLabel(c.area, ctx.lang),
          satisfied: n(c.current.value.satisfiedPct),
          ratings: n(c.current.n),
          trend: trendText(c.change, ctx.lang),
        }),
      );
    });
    if (ranked.length === 0) lines.push(ctx.t("digest.compare_none"));
    const unranked = communes.filter((c) => !c.current.shown).map((c) => areaLabel(c.area, ctx.lang));
    if (unranked.length > 0) lines.push("", ctx.t("digest.compare_not_enough", { min: n(MIN_RATINGS_SHOWN), list: unranked.join(", ") }));
    await ctx.reply(lines.join("\n"));
  });

  return {
    name: "digest",
    composer,
    commands: [
      { command: "stats", descriptionKey: "digest.cmd_stats", scope: "group" },
      { command: "digest", descriptionKey: "digest.cmd_digest", scope: "private", minRole: "staff" },
      { command: "compare", descriptionKey: "digest.cmd_compare", scope: "private", minRole: "staff" },
    ],
  };
}

function jobDeps(deps: FeatureDeps, options: DigestOptions) {
  return { db: deps.db, queues: deps.queues, config: deps.config, log: deps.log, sections: options.sections };
}

export function digestJobs(deps: FeatureDeps, api: Api, options: DigestOptions = {}): Record<string, JobHandler> {
  return digestJobHandlers(jobDeps(deps, options), api);
}

/** Called when workers start: the weekly schedule, and the catch-up of a missed period. */
export function scheduleDigests(deps: FeatureDeps, options: DigestOptions = {}) {
  return startDigestSchedule(jobDeps(deps, options));
}
