/**
 * When a commitment's reminders go, from its due day (a local date):
 * "due soon" REMINDER_HOUR on the day each offset before it, "overdue"
 * REMINDER_HOUR the day after it. Times in the configured zone.
 */
import { durationMs, fromWallClock } from "../forums/time.js";
import { REMINDER_HOUR } from "./catalogue.js";

function localDay(dueOn: string, plusDays: number, hour: number, timeZone: string): Date {
  const [y, m, d] = dueOn.split("-").map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d + plusDays));
  return fromWallClock(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), hour, 0, timeZone)!;
}

/** The end of the due day: from then on it is overdue. */
export function dueEnds(dueOn: string, timeZone: string): Date {
  return localDay(dueOn, 1, 0, timeZone);
}

export function dueSoonAt(dueOn: string, offset: string, timeZone: string): Date | undefined {
  const ms = durationMs(offset);
  return ms === null ? undefined : new Date(localDay(dueOn, 0, REMINDER_HOUR, timeZone).getTime() - ms);
}

export function overdueAt(dueOn: string, timeZone: string): Date {
  return localDay(dueOn, 1, REMINDER_HOUR, timeZone);
}

/** Today's date in the zone, YYYY-MM-DD. */
export function localToday(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

export type ParsedDue = { ok: true; dueOn: string } | { ok: false; reason: "unreadable" | "past" };

const iso = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

/** "31/12/2026", "2026-12-31", "31/12" (the next 31 December), Khmer digits too; today or later. */
export function parseDueDate(input: string, now: Date, timeZone: string): ParsedDue {
  const text = input.replace(/[០-៩]/g, (d) => String("០១២៣៤៥៦៧៨៩".indexOf(d))).trim();
  const today = localToday(now, timeZone);
  const thisYear = Number(today.slice(0, 4));
  let y: number | undefined;
  let m: number;
  let d: number;
  const isoMatch = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const dmy = /^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?$/.exec(text);
  if (isoMatch) [y, m, d] = [Number(isoMatch[1]), Number(isoMatch[2]), Number(isoMatch[3])];
  else if (dmy) {
    [d, m] = [Number(dmy[1]), Number(dmy[2])];
    if (dmy[3]) y = dmy[3].length === 2 ? 2000 + Number(dmy[3]) : Number(dmy[3]);
  } else return { ok: false, reason: "unreadable" };
  const valid = (year: number) => {
    const date = new Date(Date.UTC(year, m - 1, d));
    return date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? iso(year, m, d) : undefined;
  };
  let dueOn = valid(y ?? thisYear);
  if (!dueOn) return { ok: false, reason: "unreadable" };
  if (y === undefined && dueOn < today) dueOn = valid(thisYear + 1);
  if (!dueOn) return { ok: false, reason: "unreadable" };
  if (dueOn < today) return { ok: false, reason: "past" };
  return { ok: true, dueOn };
}

/** The same day `months` months from today (the month's last day when shorter). */
export function monthsAhead(now: Date, months: number, timeZone: string): string {
  const [y, m, d] = localToday(now, timeZone).split("-").map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  const target = new Date(Date.UTC(y, m - 1 + months, Math.min(d, last)));
  return iso(target.getUTCFullYear(), target.getUTCMonth() + 1, target.getUTCDate());
}
