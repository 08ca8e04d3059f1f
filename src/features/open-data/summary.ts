/**
 * The ratings summary as open data: the digest's own figures (computeDigest,
 * one piece of code for the aggregation) for a commune or district and any
 * period, as JSON. Figures on fewer than 5 ratings are withheld, and so is
 * their count: a withheld figure says only that it stands on fewer than 5.
 */
import type { Database } from "../../db/client.js";
import { translator, type Language } from "../../i18n.js";
import { findArea } from "../areas/areas.js";
import { areaLabel } from "../areas/names.js";
import { MIN_RATINGS_SHOWN } from "../catalogue/scale.js";
import { criterionKey, serviceNameKey } from "../catalogue/services.js";
import { computeDigest, type Shown } from "../digest/compute.js";
import type { Period } from "../digest/period.js";

const withheld = { shown: false as const, fewer_than: MIN_RATINGS_SHOWN };
function open<T, R>(figure: Shown<T>, map: (value: T, n: number) => R): ({ shown: true } & R) | typeof withheld {
  return figure.shown ? { shown: true as const, ...map(figure.value, figure.n) } : withheld;
}

const isoDay = (date: Date, timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
const span = (p: Period, timeZone: string) => ({ from: isoDay(p.start, timeZone), to: isoDay(new Date(p.end.getTime() - 1), timeZone) });

export type SummaryResult = { ok: true; summary: Record<string, unknown> } | { ok: false; reason: "unknown_area" | "not_council_level" };

export async function ratingsSummary(db: Database, areaCode: string, periods: { current: Period; previous: Period }, lang: Language, timeZone: string): Promise<SummaryResult> {
  const area = await findArea(db, areaCode);
  if (!area) return { ok: false, reason: "unknown_area" };
  if (area.level !== "commune" && area.level !== "district") return { ok: false, reason: "not_council_level" };
  const t = translator(lang);
  const figures = await computeDigest(db, area, periods);
  return {
    ok: true,
    summary: {
      area: { code: area.code, level: area.level, name: areaLabel(area, lang) },
      period: span(periods.current, timeZone),
      previous_period: span(periods.previous, timeZone),
      participation: open(figures.participation, (p) => ({ ratings: p.ratings, raters: p.raters, women: p.women, youth: p.youth, disability: p.disability })),
      informal_payments: open(figures.informalPayments, (p) => ({ yes: p.yes, answered: p.answered })),
      services: figures.services.map((s) => ({
        service: s.service,
        name: t(serviceNameKey(s.service)),
        current: open(s.current, (v, n) => ({ ratings: n, median: v.median, mean: v.mean, satisfied_pct: v.satisfiedPct })),
        previous: open(s.previous, (v, n) => ({ ratings: n, median: v.median, mean: v.mean, satisfied_pct: v.satisfiedPct })),
        change_satisfied_pct: s.change,
        weakest_criterion: s.weakest
          ? { criterion: s.weakest.criterion, name: t(criterionKey(s.service, s.weakest.criterion)), mean: s.weakest.mean, satisfied_pct: s.weakest.satisfiedPct }
          : null,
      })),
      complaints: {
        new: figures.complaints.new,
        acknowledged: figures.complaints.acknowledged,
        resolved: figures.complaints.resolved,
        open: figures.complaints.open,
        overdue: figures.complaints.overdue,
        median_hours_to_acknowledge: figures.complaints.medianHoursToAcknowledge,
        top_categories: figures.complaints.topCategories,
      },
    },
  };
}
