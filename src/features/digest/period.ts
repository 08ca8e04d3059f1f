/**
 * Digest periods: weeks from Monday 00:00 to the next Monday 00:00 in the
 * configured time zone (Asia/Phnom_Penh), and the week before for comparison.
 */
import cronParser from "cron-parser";
import { wallClock } from "../../i18n.js";

export interface Period {
  /** Inclusive start (Monday 00:00 local). */
  start: Date;
  /** Exclusive end: the next Monday 00:00 local, or "now" for a week so far. */
  end: Date;
  /** The local date of the Monday, YYYY-MM-DD: the period's key. */
  key: string;
  /** True for a week not yet over (/stats). */
  partial: boolean;
}

export interface Periods {
  current: Period;
  previous: Period;
}

const DAY_MS = 86_400_000;

/** The instant a local calendar date starts in a time zone (handles any offset, DST included). */
export function startOfLocalDay(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  // The zone's offset at the guess, then once more at the corrected instant (DST edges).
  let instant = guess - offsetMs(new Date(guess), timeZone);
  instant = guess - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

function offsetMs(date: Date, timeZone: string): number {
  const w = wallClock(date, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  return asUtc - Math.floor(date.getTime() / 60_000) * 60_000;
}

const isoDate = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

/** Monday 00:00 (local) of the week containing `at`. */
export function weekStart(at: Date, timeZone: string): { start: Date; key: string } {
  const w = wallClock(at, timeZone);
  const daysSinceMonday = (w.weekday + 6) % 7;
  const monday = new Date(Date.UTC(w.year, w.month - 1, w.day) - daysSinceMonday * DAY_MS);
  const [y, m, d] = [monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()];
  return { start: startOfLocalDay(y, m, d, timeZone), key: isoDate(y, m, d) };
}

/** The week starting on a local date (YYYY-MM-DD, any day of it), whole. */
export function weekOf(key: string, timeZone: string): Period {
  const [y, m, d] = key.split("-").map(Number) as [number, number, number];
  const noon = new Date(startOfLocalDay(y, m, d, timeZone).getTime() + DAY_MS / 2);
  const { start, key: mondayKey } = weekStart(noon, timeZone);
  const next = weekStart(new Date(start.getTime() + 7.5 * DAY_MS), timeZone);
  return { start, end: next.start, key: mondayKey, partial: false };
}

function weekBefore(period: Period, timeZone: string): Period {
  return weekOf(shiftKey(period.key, -7), timeZone);
}

function shiftKey(key: string, days: number): string {
  const [y, m, d] = key.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The last full week before `now` (what the Monday digest covers), and the week before it. */
export function lastFullWeek(now: Date, timeZone: string): Periods {
  const thisWeek = weekStart(now, timeZone);
  const current = weekOf(shiftKey(thisWeek.key, -7), timeZone);
  return { current, previous: weekBefore(current, timeZone) };
}

/** This week so far (Monday 00:00 to now), and the whole week before it (/stats). */
export function weekSoFar(now: Date, timeZone: string): Periods {
  const { start, key } = weekStart(now, timeZone);
  const current: Period = { start, end: now, key, partial: true };
  return { current, previous: weekBefore(weekOf(key, timeZone), timeZone) };
}

/** A given week (digest:now --week) and the week before it. */
export function weekAndBefore(key: string, timeZone: string): Periods {
  const current = weekOf(key, timeZone);
  return { current, previous: weekBefore(current, timeZone) };
}

/** The last time the schedule fired at or before `now` (for the catch-up at start). */
export function lastScheduledRun(pattern: string, timeZone: string, now: Date): Date {
  const interval = cronParser.parseExpression(pattern, { currentDate: new Date(now.getTime() + 1000), tz: timeZone });
  return interval.prev().toDate();
}
