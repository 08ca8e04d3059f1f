/**
 * i18next set-up, the translator type used everywhere, and number/date
 * formatting per language. Strings live in locales/{km,en}/<group>.json and
 * are addressed as "<group>.<key>" (the file name is the first key segment).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import i18next, { type i18n as I18nInstance } from "i18next";
import { languages, type Language } from "./db/schema/users.js";

export { languages, type Language };
export const defaultLanguage: Language = "km";

export type Translate = (key: string, options?: Record<string, unknown>) => string;

const localesDir = fileURLToPath(new URL("../locales", import.meta.url));

export function loadLocaleResources(dir = localesDir): Record<Language, Record<string, unknown>> {
  const resources = {} as Record<Language, Record<string, unknown>>;
  for (const lang of languages) {
    const tree: Record<string, unknown> = {};
    for (const file of readdirSync(join(dir, lang)).filter((f) => f.endsWith(".json")).sort()) {
      tree[file.replace(/\.json$/, "")] = JSON.parse(readFileSync(join(dir, lang, file), "utf8"));
    }
    resources[lang] = tree;
  }
  return resources;
}

let instance: I18nInstance | undefined;

/** The process-wide i18next instance; resources are read once, synchronously. */
export function i18n(): I18nInstance {
  if (instance) return instance;
  const resources = loadLocaleResources();
  const created = i18next.createInstance({
    resources: Object.fromEntries(Object.entries(resources).map(([lang, tree]) => [lang, { translation: tree }])),
    lng: defaultLanguage,
    fallbackLng: false,
    supportedLngs: [...languages],
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
  void created.init();
  created.services.formatter?.add("num", (value, lng) => formatNumber(Number(value), asLanguage(lng)));
  instance = created;
  return created;
}

export function asLanguage(value: string | null | undefined): Language {
  return value === "en" || value === "km" ? value : defaultLanguage;
}

const translators = new Map<Language, Translate>();
/** Past this many remembered texts with variables, a language's memory starts again. */
const MEMO_LIMIT = 20_000;

/**
 * The translator for one language. Missing keys show the key (and fail the
 * parity test). Texts are remembered: conversations replay their steps on
 * every update, so the same key with the same variables is asked for again and
 * again, and i18next's lookup, interpolation and plural rules cost far more
 * than a Map. Variables are plain values (strings, numbers, dates), so the
 * key and the JSON of the variables decide the text.
 */
export function translator(lang: Language): Translate {
  const known = translators.get(lang);
  if (known) return known;
  const fixed = i18n().getFixedT(lang);
  const plain = new Map<string, string>();
  const withVariables = new Map<string, string>();
  const translate: Translate = (key, options) => {
    if (options === undefined) {
      let text = plain.get(key);
      if (text === undefined) plain.set(key, (text = fixed(key) as string));
      return text;
    }
    const memo = `${key}\u0000${JSON.stringify(options)}`;
    let text = withVariables.get(memo);
    if (text === undefined) {
      text = fixed(key, options) as string;
      if (withVariables.size >= MEMO_LIMIT) withVariables.clear();
      withVariables.set(memo, text);
    }
    return text;
  };
  translators.set(lang, translate);
  return translate;
}

/** Telegram's language_code ("km", "en-US"…) → our language, for people who have not chosen yet. */
export function languageFromTelegram(code: string | undefined): Language {
  return code?.toLowerCase().startsWith("en") ? "en" : "km";
}

// ── Numbers and dates ───────────────────────────────────────────────────────

const numberFormats = {
  km: new Intl.NumberFormat("km-KH", { numberingSystem: "khmr", maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 }),
};

/** 1234.5 → "១.២៣៤,៥" in Khmer, "1,234.5" in English. */
export function formatNumber(value: number, lang: Language): string {
  return numberFormats[lang].format(value);
}

const khmerDigits = "០១២៣៤៥៦៧៨៩";
/** Turns ASCII digits in a string into Khmer digits (used for codes, dates, times). */
export function toKhmerDigits(text: string): string {
  return text.replace(/[0-9]/g, (d) => khmerDigits[Number(d)]!);
}
/** Turns Khmer digits into ASCII digits (for parsing what people type). */
export function fromKhmerDigits(text: string): string {
  return text.replace(/[០-៩]/g, (d) => String(khmerDigits.indexOf(d)));
}

const khmerMonths = ["មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"];
const khmerWeekdays = ["អាទិត្យ", "ច័ន្ទ", "អង្គារ", "ពុធ", "ព្រហស្បតិ៍", "សុក្រ", "សៅរ៍"];

interface WallClock {
  year: number;
  month: number; // 1–12
  day: number;
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
}

/** Intl formatters are costly to build and safe to share: one per time zone and kind. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: "parts" | "en-date", timeZone: string): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone}`;
  let found = formatters.get(key);
  if (!found) {
    found =
      kind === "parts"
        ? new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric", weekday: "short", hour: "numeric", minute: "numeric", hourCycle: "h23" })
        : new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
    formatters.set(key, found);
  }
  return found;
}

/** The wall-clock reading of an instant in a time zone. */
export function wallClock(date: Date, timeZone: string): WallClock {
  const parts = formatter("parts", timeZone).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    year: Number(get("year")),
    month: Number(get("month")),
    day: Number(get("day")),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday")),
    hour: Number(get("hour")),
    minute: Number(get("minute")),
  };
}

/** Khmer time of day: morning, noon, afternoon, evening, night. */
function khmerPeriod(hour: number): string {
  if (hour >= 5 && hour < 12) return "ព្រឹក";
  if (hour === 12) return "ថ្ងៃត្រង់";
  if (hour > 12 && hour < 17) return "រសៀល";
  if (hour >= 17 && hour < 19) return "ល្ងាច";
  return "យប់";
}

/** "ថ្ងៃសៅរ៍ ទី៣១ ខែសីហា ឆ្នាំ២០២៤" / "Saturday 31 August 2024". */
export function formatDate(date: Date, lang: Language, timeZone: string): string {
  if (lang === "en") {
    return formatter("en-date", timeZone).format(date).replace(",", "");
  }
  const w = wallClock(date, timeZone);
  return `ថ្ងៃ${khmerWeekdays[w.weekday]} ទី${toKhmerDigits(String(w.day))} ខែ${khmerMonths[w.month - 1]} ឆ្នាំ${toKhmerDigits(String(w.year))}`;
}

/** "ម៉ោង ៨:៣០ ព្រឹក" / "08:30". */
export function formatTime(date: Date, lang: Language, timeZone: string): string {
  const w = wallClock(date, timeZone);
  const mm = String(w.minute).padStart(2, "0");
  if (lang === "en") return `${String(w.hour).padStart(2, "0")}:${mm}`;
  const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  return `ម៉ោង ${toKhmerDigits(`${h12}:${mm}`)} ${khmerPeriod(w.hour)}`;
}

const englishMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/**
 * The calendar months from `start` to `end` (exclusive): "November 2026" /
 * "ខែវិច្ឆិកា ឆ្នាំ២០២៦"; several: "October–December 2026" / "ខែតុលា–ធ្នូ ឆ្នាំ២០២៦".
 */
export function formatMonths(start: Date, end: Date, lang: Language, timeZone: string): string {
  const first = wallClock(start, timeZone);
  const last = wallClock(new Date(end.getTime() - 1), timeZone);
  const name = (w: WallClock) => (lang === "km" ? khmerMonths[w.month - 1]! : englishMonths[w.month - 1]!);
  const year = (w: WallClock) => (lang === "km" ? `ឆ្នាំ${toKhmerDigits(String(w.year))}` : String(w.year));
  const month = lang === "km" ? "ខែ" : "";
  if (first.year === last.year && first.month === last.month) return `${month}${name(first)} ${year(first)}`;
  if (first.year === last.year) return `${month}${name(first)}–${name(last)} ${year(last)}`;
  return `${month}${name(first)} ${year(first)} – ${month}${name(last)} ${year(last)}`;
}

export function formatDateTime(date: Date, lang: Language, timeZone: string): string {
  return lang === "en"
    ? `${formatDate(date, lang, timeZone)}, ${formatTime(date, lang, timeZone)}`
    : `${formatDate(date, lang, timeZone)} ${formatTime(date, lang, timeZone)}`;
}
