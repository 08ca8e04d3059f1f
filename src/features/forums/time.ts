/**
 * Forum times as staff type them, in the forum's time zone (Asia/Phnom_Penh):
 * "2026-12-05 08:00", "5/12 8am", "05/12/2026 14:30", "៥/១២ ម៉ោង ២ រសៀល".
 * Day before month, as Cambodians write dates. Also reminder offsets as ISO
 * 8601 durations ("P3D", "PT2H") or typed shorthands ("3d 1d 2h").
 */
import { fromKhmerDigits, toKhmerDigits, wallClock, type Language } from "../../i18n.js";

/** The instant at which the clocks of `timeZone` read this wall-clock time (null if no such day). */
export function fromWallClock(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  let guess = asUtc;
  // Two rounds settle any offset (Cambodia has none to settle: UTC+7 all year).
  for (let i = 0; i < 2; i++) {
    const w = wallClock(new Date(guess), timeZone);
    const seen = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
    guess += asUtc - seen;
  }
  const check = wallClock(new Date(guess), timeZone);
  if (check.year !== year || check.month !== month || check.day !== day) return null; // 31/2 and the like
  return new Date(guess);
}

export type ParsedTime = { ok: true; date: Date } | { ok: false; reason: "unreadable" | "no_time" | "past" };

const periods: Record<string, "am" | "pm" | "noon" | "night"> = {
  am: "am",
  "a.m.": "am",
  pm: "pm",
  "p.m.": "pm",
  "ព្រឹក": "am",
  "ថ្ងៃត្រង់": "noon",
  "រសៀល": "pm",
  "ល្ងាច": "pm",
  "យប់": "night",
};

/** Reads an hour and minute ("8am", "14:30", "8.30", "14h", "ម៉ោង ២ រសៀល"). */
export function parseClock(text: string): { hour: number; minute: number } | null {
  const cleaned = fromKhmerDigits(text).toLowerCase().replace(/ម៉ោង|at|time/g, " ").trim();
  const m = /^(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(a\.m\.|p\.m\.|am|pm|ព្រឹក|ថ្ងៃត្រង់|រសៀល|ល្ងាច|យប់)?$/.exec(cleaned.replace(/\s+/g, " "));
  if (!m) return null;
  let hour = Number(m[1]);
  const minute = m[2] ? Number(m[2]) : 0;
  const period = m[3] ? periods[m[3]] : undefined;
  if (minute > 59) return null;
  if (period) {
    if (hour < 1 || hour > 12) return null;
    if (period === "am") hour = hour === 12 ? 0 : hour;
    else if (period === "pm") hour = hour === 12 ? 12 : hour + 12;
    else if (period === "noon") hour = 12;
    else if (period === "night") hour = hour === 12 ? 0 : hour < 5 ? hour : hour + 12;
  } else if (hour > 23) return null;
  return { hour, minute };
}

/** A typed date and time → the instant; refuses the past. */
export function parseForumTime(input: string, now: Date, timeZone: string): ParsedTime {
  const text = fromKhmerDigits(input).normalize("NFC").trim().replace(/\s+/g, " ");
  let year: number | undefined;
  let month: number;
  let day: number;
  let rest: string;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t,]+(.*))?$/i.exec(text);
  const dmy = /^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?(?:[ ,]+(.*))?$/.exec(text);
  if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    day = Number(iso[3]);
    rest = iso[4] ?? "";
  } else if (dmy) {
    day = Number(dmy[1]);
    month = Number(dmy[2]);
    if (dmy[3]) year = dmy[3].length === 2 ? 2000 + Number(dmy[3]) : Number(dmy[3]);
    rest = dmy[4] ?? "";
  } else {
    return { ok: false, reason: "unreadable" };
  }
  if (rest.trim() === "") return { ok: false, reason: "no_time" };
  const clock = parseClock(rest);
  if (!clock) return { ok: false, reason: "unreadable" };
  const thisYear = wallClock(now, timeZone).year;
  let date = fromWallClock(year ?? thisYear, month, day, clock.hour, clock.minute, timeZone);
  if (!date) return { ok: false, reason: "unreadable" };
  // "5/12" without a year means the next 5 December.
  if (year === undefined && date.getTime() <= now.getTime()) date = fromWallClock(thisYear + 1, month, day, clock.hour, clock.minute, timeZone);
  if (!date) return { ok: false, reason: "unreadable" };
  if (date.getTime() <= now.getTime()) return { ok: false, reason: "past" };
  return { ok: true, date };
}

/** A day (picked from a button) plus a typed or picked clock time. */
export function atClock(dayIso: string, clock: { hour: number; minute: number }, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dayIso);
  if (!m) return null;
  return fromWallClock(Number(m[1]), Number(m[2]), Number(m[3]), clock.hour, clock.minute, timeZone);
}

/** The next `count` days after today, as YYYY-MM-DD in the time zone (for date buttons). */
export function nextDays(now: Date, count: number, timeZone: string): string[] {
  const today = wallClock(now, timeZone);
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

// ── Durations ───────────────────────────────────────────────────────────────

const isoDuration = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** "P1D" → 86 400 000; null for anything else (weeks, months and years are not used). */
export function durationMs(iso: string): number | null {
  const m = isoDuration.exec(iso);
  if (!m || iso === "P" || iso.endsWith("T")) return null;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

function toIsoDuration(ms: number): string {
  let s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const min = Math.floor(s / 60);
  s -= min * 60;
  const time = `${h ? `${h}H` : ""}${min ? `${min}M` : ""}${s ? `${s}S` : ""}`;
  return `P${d ? `${d}D` : ""}${time ? `T${time}` : ""}`;
}

/** "3d, 1d 2h" or "P3D PT2H" → ["P3D", "P1D", "PT2H"] (longest first, no repeats); null if unreadable. */
export function parseReminderOffsets(input: string): string[] | null {
  const tokens = fromKhmerDigits(input).toUpperCase().split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) return null;
  const values: number[] = [];
  for (const token of tokens) {
    const short = /^(\d+)\s*(D|H|M)$/.exec(token);
    const ms = short ? Number(short[1]) * { D: 86_400_000, H: 3_600_000, M: 60_000 }[short[2] as "D" | "H" | "M"] : durationMs(token);
    if (!ms || ms <= 0 || ms > 60 * 86_400_000) return null;
    values.push(ms);
  }
  return [...new Set(values)].sort((a, b) => b - a).map(toIsoDuration);
}

/** "P1D" → "1 day" / "១ ថ្ងៃ"; "PT2H" → "2 hours" / "២ ម៉ោង". */
export function describeOffset(iso: string, lang: Language): string {
  let s = Math.round((durationMs(iso) ?? 0) / 1000);
  const parts: string[] = [];
  const units: [number, string, string, string][] = [
    [86_400, "day", "days", "ថ្ងៃ"],
    [3600, "hour", "hours", "ម៉ោង"],
    [60, "minute", "minutes", "នាទី"],
    [1, "second", "seconds", "វិនាទី"],
  ];
  for (const [size, one, many, km] of units) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n) parts.push(lang === "km" ? `${toKhmerDigits(String(n))} ${km}` : `${n} ${n === 1 ? one : many}`);
  }
  return parts.join(" ");
}
