/**
 * The periods citizens' results cover: calendar months (or quarters, with
 * RESULTS_PERIOD=quarter) in the configured time zone, each with the period
 * before it, as the digest's figures are computed (computeDigest).
 */
import type { Periods } from "../digest/period.js";
import { periodFor } from "../exports/periods.js";

export type ResultsPeriodKind = "month" | "quarter";

export interface ResultsPeriod {
  kind: ResultsPeriodKind;
  /** "2026-11" or "2026-Q4": names the period in job ids and broadcast keys. */
  label: string;
  /** The period (current) and the one before it (previous), adjacent. */
  periods: Periods;
}

/** The period containing `at`, whole, and the one before it. */
export function resultsPeriodContaining(kind: ResultsPeriodKind, at: Date, timeZone: string): ResultsPeriod {
  const current = periodFor(kind === "month" ? "this_month" : "this_quarter", at, timeZone);
  const previous = periodFor(kind === "month" ? "last_month" : "last_quarter", at, timeZone);
  return {
    kind,
    label: current.label,
    periods: {
      current: { start: current.start, end: current.end, key: current.label, partial: false },
      previous: { start: previous.start, end: previous.end, key: previous.label, partial: false },
    },
  };
}

/** The last full period before `at` (what a run at `at` reports on). */
export function resultsPeriodBefore(kind: ResultsPeriodKind, at: Date, timeZone: string): ResultsPeriod {
  const last = periodFor(kind === "month" ? "last_month" : "last_quarter", at, timeZone);
  return resultsPeriodContaining(kind, last.start, timeZone);
}
