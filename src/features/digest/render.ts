/**
 * The digest as text, in the group's language: short enough to read on a
 * phone in half a minute. Numbers and dates follow the language (Khmer
 * digits in Khmer); figures withheld for too few ratings say so.
 */
import { MIN_RATINGS_SHOWN } from "../catalogue/scale.js";
import { complaintCategoryKey } from "../catalogue/complaint-categories.js";
import { criterionKey, serviceNameKey } from "../catalogue/services.js";
import { councilName } from "../councils/councils.js";
import { formatNumber, toKhmerDigits, translator, wallClock, type Language, type Translate } from "../../i18n.js";
import type { DigestFigures, ServiceFigures } from "./compute.js";
import type { Period } from "./period.js";

/** One line per item, e.g. an upcoming forum or a commitment; given by other features (see DigestOptions). */
export type DigestSection = { heading: "upcoming" | "commitments_overdue" | "commitments_due" | "commitments_done"; lines: string[] };

const enMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const kmMonths = ["មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"];

/** "5–11 January 2026" / "ថ្ងៃទី៥–១១ ខែមករា ឆ្នាំ២០២៦" (the period's first and last day). */
export function formatPeriod(period: Period, lang: Language, timeZone: string): string {
  const first = wallClock(period.start, timeZone);
  const last = wallClock(new Date(period.end.getTime() - 1), timeZone);
  if (lang === "en") {
    const day = (w: typeof first, withYear: boolean) => `${w.day} ${enMonths[w.month - 1]}${withYear ? ` ${w.year}` : ""}`;
    if (first.month === last.month && first.year === last.year) return `${first.day}–${last.day} ${enMonths[last.month - 1]} ${last.year}`;
    return `${day(first, first.year !== last.year)} – ${day(last, true)}`;
  }
  const k = (n: number) => toKhmerDigits(String(n));
  if (first.month === last.month && first.year === last.year) return `ថ្ងៃទី${k(first.day)}–${k(last.day)} ខែ${kmMonths[last.month - 1]} ឆ្នាំ${k(last.year)}`;
  const day = (w: typeof first, withYear: boolean) => `ថ្ងៃទី${k(w.day)} ខែ${kmMonths[w.month - 1]}${withYear ? ` ឆ្នាំ${k(w.year)}` : ""}`;
  return `${day(first, first.year !== last.year)} – ${day(last, true)}`;
}

export function trendText(change: number | null, lang: Language): string {
  if (change === null) return "";
  const t = translator(lang);
  if (change > 0) return ` ${t("digest.up", { points: formatNumber(change, lang) })}`;
  if (change < 0) return ` ${t("digest.down", { points: formatNumber(-change, lang) })}`;
  return ` ${t("digest.same")}`;
}

function duration(hours: number, t: Translate, lang: Language): string {
  // Under two days in hours, then in whole days; `count` picks the plural form.
  const [key, count] = hours < 48 ? ["digest.hours", Math.max(1, Math.round(hours))] : ["digest.days", Math.round(hours / 24)];
  return t(key, { count, n: formatNumber(count, lang) });
}

function serviceLines(s: ServiceFigures, t: Translate, lang: Language): string[] {
  const service = t(serviceNameKey(s.service));
  if (!s.current.shown) return [t("digest.service_not_enough", { service })];
  const n = (v: number) => formatNumber(v, lang);
  const lines = [
    t("digest.service_line", {
      service,
      median: n(s.current.value.median),
      mean: n(s.current.value.mean),
      satisfied: n(s.current.value.satisfiedPct),
      trend: trendText(s.change, lang),
    }),
  ];
  if (s.weakest) lines.push(`   ${t("digest.weakest", { criterion: t(criterionKey(s.service, s.weakest.criterion)), mean: n(s.weakest.mean) })}`);
  return lines;
}

export interface RenderOptions {
  timeZone: string;
  /** Sections other features add (e.g. upcoming forums); nothing is shown when empty. */
  sections?: DigestSection[];
}

export function renderDigestText(figures: DigestFigures, lang: Language, options: RenderOptions): string {
  const t = translator(lang);
  const n = (v: number) => formatNumber(v, lang);
  const { current } = figures.periods;
  const council = councilName(figures.area, lang);
  const out: string[] = [];
  out.push(t(current.partial ? "digest.title_so_far" : "digest.title", { council }));
  out.push(t(current.partial ? "digest.period_so_far" : "digest.period", { range: formatPeriod(current, lang, options.timeZone) }));
  out.push("");

  const p = figures.participation;
  if (p.shown) {
    out.push(t("digest.ratings", { ratings: n(p.value.ratings), raters: n(p.value.raters), women: n(p.value.women) }));
    const extra: string[] = [];
    if (p.value.youth !== null) extra.push(t("digest.youth", { count: n(p.value.youth) }));
    if (p.value.disability !== null) extra.push(t("digest.disability", { count: n(p.value.disability) }));
    extra.push(t("digest.ratings_previous", { count: n(figures.previousRatings) }));
    out.push(`   ${extra.join(" · ")}`);
  } else {
    out.push(t("digest.ratings_not_enough", { min: n(MIN_RATINGS_SHOWN) }));
  }

  if (p.shown && figures.services.length > 0) {
    out.push("");
    out.push(t("digest.services_heading"));
    for (const s of figures.services) out.push(...serviceLines(s, t, lang));
  }

  if (figures.informalPayments.shown) {
    out.push("");
    out.push(t("digest.payments", { yes: n(figures.informalPayments.value.yes), answered: n(figures.informalPayments.value.answered) }));
  }

  const c = figures.complaints;
  out.push("");
  out.push(t("digest.complaints_heading", { new: n(c.new), acknowledged: n(c.acknowledged), resolved: n(c.resolved) }));
  out.push(`   ${t("digest.complaints_open", { open: n(c.open), overdue: n(c.overdue) })}`);
  if (c.medianHoursToAcknowledge !== null) out.push(`   ${t("digest.complaints_median", { time: duration(c.medianHoursToAcknowledge, t, lang) })}`);
  if (c.topCategories.length > 0) {
    const list = c.topCategories.map((x) => `${t(complaintCategoryKey(x.category))} (${n(x.count)})`).join(", ");
    out.push(`   ${t("digest.complaints_top", { list })}`);
  }

  for (const section of options.sections ?? []) {
    if (section.lines.length === 0) continue;
    out.push("");
    out.push(t(`digest.${section.heading}_heading`));
    for (const line of section.lines) out.push(`• ${line}`);
  }

  out.push("");
  out.push(t("digest.footer", { min: n(MIN_RATINGS_SHOWN) }));
  return out.join("\n");
}
