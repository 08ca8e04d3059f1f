/**
 * The results a citizen receives about their commune, short enough for a
 * phone: how many people rated the services (women in brackets), the best
 * and the weakest service by % satisfied, complaints resolved, the lines
 * other features add (commitments done, the next forum), and the way to stop
 * them. Figures on fewer than 5 ratings are never named.
 */
import { InlineKeyboard } from "grammy";
import type { BroadcastContent } from "../../db/schema/index.js";
import { formatMonths, formatNumber, translator, type Language } from "../../i18n.js";
import { areaLabel } from "../areas/names.js";
import { perLanguage } from "../broadcast/content.js";
import { MIN_RATINGS_SHOWN } from "../catalogue/scale.js";
import { serviceNameKey } from "../catalogue/services.js";
import type { DigestFigures, ServiceFigures } from "../digest/compute.js";
import type { ResultsPeriod } from "./period.js";

/** Callback data of the "stop these summaries" button. */
export const STOP_RESULTS = "rs:off";

type ShownService = { service: string; satisfiedPct: number; mean: number; n: number; order: number };

/** Services with at least 5 ratings this period, best first (ties: higher mean, more ratings, catalogue order). */
export function rankServices(services: readonly ServiceFigures[]): ShownService[] {
  const shown: ShownService[] = [];
  services.forEach((s, order) => {
    if (s.current.shown) shown.push({ service: s.service, satisfiedPct: s.current.value.satisfiedPct, mean: s.current.value.mean, n: s.current.n, order });
  });
  return shown.sort((a, b) => b.satisfiedPct - a.satisfiedPct || b.mean - a.mean || b.n - a.n || a.order - b.order);
}

export function resultsText(figures: DigestFigures, period: ResultsPeriod, lang: Language, options: { timeZone: string; extraLines?: string[] }): string {
  const t = translator(lang);
  const n = (v: number) => formatNumber(v, lang);
  const min = n(MIN_RATINGS_SHOWN);
  const when = formatMonths(period.periods.current.start, period.periods.current.end, lang, options.timeZone);
  const out = [t("results.title", { commune: areaLabel(figures.area, lang), period: when }), ""];

  const p = figures.participation;
  if (p.shown) {
    out.push(t("results.participation", { people: n(p.value.raters), women: n(p.value.women) }));
    const ranked = rankServices(figures.services);
    const withheld = figures.services.filter((s) => !s.current.shown && s.current.n > 0).length;
    const name = (s: ShownService) => t(serviceNameKey(s.service));
    if (ranked.length >= 2) {
      const best = ranked[0]!;
      const weakest = ranked[ranked.length - 1]!;
      out.push(t("results.best", { service: name(best), satisfied: n(best.satisfiedPct) }));
      out.push(t("results.weakest", { service: name(weakest), satisfied: n(weakest.satisfiedPct) }));
    } else if (ranked.length === 1) {
      out.push(t("results.only_service", { service: name(ranked[0]!), satisfied: n(ranked[0]!.satisfiedPct) }));
    } else {
      out.push(t("results.services_not_enough", { min }));
    }
    if (ranked.length > 0 && withheld > 0) out.push(t("results.others_not_enough", { min }));
  } else {
    out.push(t("results.participation_not_enough", { min, period: when }));
  }
  out.push(t("results.complaints_resolved", { count: n(figures.complaints.resolved) }));
  out.push(...(options.extraLines ?? []));
  out.push("", t("results.thanks"), t("results.stop_hint"));
  return out.join("\n");
}

/** Rate again, and stop these summaries (also in /settings). */
export function resultsKeyboard(lang: Language, withStop = true): InlineKeyboard {
  const t = translator(lang);
  const keyboard = new InlineKeyboard().text(t("results.button_rate"), "menu:rate");
  return withStop ? keyboard.row().text(t("results.button_stop"), STOP_RESULTS) : keyboard;
}

/**
 * One commune's results in both languages. The figures are the same for
 * every reader; `extraLines` gives each language's lines from other features.
 */
export function resultsContent(
  figures: DigestFigures,
  period: ResultsPeriod,
  options: { timeZone: string; extraLines: Record<Language, string[]> },
): BroadcastContent {
  return perLanguage((lang) => ({
    text: resultsText(figures, period, lang, { timeZone: options.timeZone, extraLines: options.extraLines[lang] }),
    keyboard: resultsKeyboard(lang),
  }));
}
