/**
 * Export periods in the configured time zone (Asia/Phnom_Penh): this or last
 * week (Monday to Sunday), month or quarter, or two typed dates (both days
 * included). Each has a label for file names: 2026-W27, 2026-07, 2026-Q3,
 * 20260701-20260930.
 */
import { fromKhmerDigits, wallClock } from "../../i18n.js";
import { startOfLocalDay } from "../digest/period.js";

export const periodChoices = ["this_week", "last_week", "this_month", "last_month", "this_quarter", "last_quarter"] as const;
export type PeriodChoice = (typeof periodChoices)[number];

export interface ExportPeriod {
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
  label: string;
  /** The first and last day, YYYY-MM-DD (both included). */
  firstDay: string;
  lastDay: string;
}

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, "0");
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

/** A calendar day as a plain UTC date (arithmetic on days only). */
const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const partsOf = (date: Date) => [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()] as const;

function between(first: Date, afterLast: Date, label: string, timeZone: string): ExportPeriod {
  const last = new Date(afterLast.getTime() - DAY_MS);
  return {
    start: startOfLocalDay(...partsOf(first), timeZone),
    end: startOfLocalDay(...partsOf(afterLast), timeZone),
    label,
    firstDay: iso(...partsOf(first)),
    lastDay: iso(...partsOf(last)),
  };
}

/** ISO 8601 week number and its year, for a calendar day. */
function isoWeek(date: Date): { year: number; week: number } {
  const thursday = new Date(date.getTime() + (3 - ((date.getUTCDay() + 6) % 7)) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return { year, week };
}

export function periodFor(choice: PeriodChoice, now: Date, timeZone: string): ExportPeriod {
  const w = wallClock(now, timeZone);
  const today = day(w.year, w.month, w.day);
  switch (choice) {
    case "this_week":
    case "last_week": {
      const monday = new Date(today.getTime() - ((w.weekday + 6) % 7) * DAY_MS - (choice === "last_week" ? 7 * DAY_MS : 0));
      const { year, week } = isoWeek(monday);
      return between(monday, new Date(monday.getTime() + 7 * DAY_MS), `${year}-W${pad(week)}`, timeZone);
    }
    case "this_month":
    case "last_month": {
      const first = day(w.year, w.month - (choice === "last_month" ? 1 : 0), 1);
      const [y, m] = partsOf(first);
      return between(first, day(y, m + 1, 1), `${y}-${pad(m)}`, timeZone);
    }
    case "this_quarter":
    case "last_quarter": {
      const q = Math.floor((w.month - 1) / 3) - (choice === "last_quarter" ? 1 : 0);
      const first = day(w.year, q * 3 + 1, 1);
      const [y, m] = partsOf(first);
      return between(first, day(y, m + 3, 1), `${y}-Q${Math.floor((m - 1) / 3) + 1}`, timeZone);
    }
  }
}

/** At most this many days in one typed range. */
export const MAX_RANGE_DAYS = 5 * 366;

/**
 * "2026-07-01 2026-09-30" (Khmer digits too; any separator between the two):
 * both days included. Undefined when it is not two valid dates in order.
 */
export function parsePeriod(text: string, timeZone: string): ExportPeriod | undefined {
  const match = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*(?:\s|–|—|-|to|\.\.)\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(fromKhmerDigits(text));
  if (!match) return undefined;
  const [y1, m1, d1, y2, m2, d2] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const first = day(y1, m1, d1);
  const last = day(y2, m2, d2);
  const valid = (date: Date, y: number, m: number, d: number) => date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  if (!valid(first, y1, m1, d1) || !valid(last, y2, m2, d2) || last < first) return undefined;
  if ((last.getTime() - first.getTime()) / DAY_MS >= MAX_RANGE_DAYS) return undefined;
  // A typed range that is exactly a month or a quarter is named like one.
  const afterLast = new Date(last.getTime() + DAY_MS);
  const wholeMonths = d1 === 1 && afterLast.getUTCDate() === 1 ? (afterLast.getUTCFullYear() - y1) * 12 + afterLast.getUTCMonth() + 1 - m1 : 0;
  const label =
    wholeMonths === 1
      ? `${y1}-${pad(m1)}`
      : wholeMonths === 3 && (m1 - 1) % 3 === 0
        ? `${y1}-Q${(m1 - 1) / 3 + 1}`
        : `${iso(y1, m1, d1).replaceAll("-", "")}-${iso(y2, m2, d2).replaceAll("-", "")}`;
  return between(first, new Date(last.getTime() + DAY_MS), label, timeZone);
}
