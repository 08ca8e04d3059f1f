/**
 * Text normalisation for matching area names as people type them.
 *
 * Khmer: no spaces between words; coeng DA (U+17D2 U+178A) and coeng TA
 * (U+17D2 U+178F) are used interchangeably for the same sound; published text
 * carries zero-width spaces; some vowels can be typed as two pieces that look
 * like one; numbered communes are written "ផ្សារថ្មីទី ១" or "ផ្សារថ្មី1".
 * Latin: NCDD romanisation differs from popular spellings (Phnum/Phnom,
 * Kaoh/Koh, Preaek/Prek …), accents come and go, numbers are spelled out
 * ("Ti Muoy") or written ("1").
 *
 * The same function is applied to stored names (areas.search_text, written by
 * the importer) and to what people type, so both sides meet in one form.
 * Changing these rules means re-running the importer so stored texts follow.
 */
import { fromKhmerDigits } from "../../i18n.js";

const ZERO_WIDTH = /[\u200B\u200C\u200D\u2060\uFEFF\u00AD]/g;
const COENG_DA = "\u17D2\u178A";
const COENG_TA = "\u17D2\u178F";
/** Inherent-vowel signs (invisible, deprecated by Unicode) that some keyboards still emit. */
const KHMER_INVISIBLE = /[\u17B4\u17B5]/g;
/** Vowels typed as two pieces render like the single vowel: េ+ា = ោ, េ+ី = ើ. */
const KHMER_SPLIT_VOWELS: [string, string][] = [
  ["\u17C1\u17B6", "\u17C4"],
  ["\u17C1\u17B8", "\u17BE"],
];
/** Everything that is not a Khmer letter, vowel or sign, a Latin letter or a digit. */
const NOT_KHMER_WORD = /[^\u1780-\u17D3\u17DDa-z0-9]/g;
/** A unit word people put in front of the name (ឃុំតាផូ, ស្រុកស្វាយចេក). */
const KHMER_UNIT_PREFIX = /^(?:រាជធានី|ខេត្ត|ស្រុក|ក្រុង|ខណ្ឌ|ឃុំ|សង្កាត់)(?=.)/;
/** "ទី" (ordinal) before a number: ផ្សារថ្មីទី១ = ផ្សារថ្មី១. */
const KHMER_ORDINAL = /ទី(?=[0-9])/g;

/** Popular spelling → the NCDD form, applied word by word to queries and names alike. */
const LATIN_SPELLINGS: Record<string, string> = {
  phnom: "phnum",
  koh: "kaoh",
  kos: "kaoh",
  kho: "kaoh",
  prek: "preaek",
  praek: "preaek",
  preak: "preaek",
  preek: "preaek",
  teuk: "tuek",
  tuk: "tuek",
  toek: "tuek",
  tik: "tuek",
  stung: "stueng",
  steung: "stueng",
  stoeng: "stueng",
  boeung: "boeng",
  beung: "boeng",
  bueng: "boeng",
  beng: "boeng",
  kompong: "kampong",
  kampung: "kampong",
  kg: "kampong",
  toul: "tuol",
  tol: "tuol",
  russey: "ruessei",
  russei: "ruessei",
  reussey: "ruessei",
  ruessey: "ruessei",
  thmey: "thmei",
  thmai: "thmei",
  sre: "srae",
  srea: "srae",
  kork: "kouk",
  kok: "kouk",
  samrong: "samraong",
  samroang: "samraong",
  trapaing: "trapeang",
  trapeng: "trapeang",
  trapang: "trapeang",
  krom: "kraom",
  choeung: "cheung",
  ampel: "ampil",
  chrei: "chrey",
  tonlei: "tonle",
  // Numbered communes: "Phsar Thmei Ti Muoy" = "Phsar Thmei 1".
  muoy: "1",
  moy: "1",
  muy: "1",
  pir: "2",
  bei: "3",
  buon: "4",
  bourn: "4",
  pram: "5",
};
/** Unit words dropped when they lead the name ("Khum Ta Phou", "Srok Svay Chek"). */
const LATIN_UNIT_WORDS = new Set([
  "khaet", "khet", "province", "srok", "krong", "khan", "khum", "sangkat", "district", "commune", "municipality", "city", "capital",
]);

export function normaliseKhmer(text: string): string {
  let out = fromKhmerDigits(text.normalize("NFC").toLowerCase())
    .replace(ZERO_WIDTH, "")
    .replace(KHMER_INVISIBLE, "")
    .replaceAll(COENG_DA, COENG_TA)
    .replaceAll("\u17B2", "\u17B1"); // ឲ and ឱ are one word ("to give") written two ways
  for (const [split, single] of KHMER_SPLIT_VOWELS) out = out.replaceAll(split, single);
  return out.replace(NOT_KHMER_WORD, "").replace(KHMER_ORDINAL, "").replace(KHMER_UNIT_PREFIX, "");
}

export function normaliseLatin(text: string): string {
  const words = fromKhmerDigits(text)
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(ZERO_WIDTH, "")
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((w) => LATIN_SPELLINGS[w] ?? w);
  // A leading unit word is dropped only when a name follows ("srok" alone is a search for "…Srok").
  while (words.length > 1 && LATIN_UNIT_WORDS.has(words[0]!)) words.shift();
  if (words.length > 1 && words[0] === "reach" && words[1] === "theani") words.splice(0, 2);
  // "Ti" is the ordinal before a number: "Ti Muoy" → "1".
  return words.filter((w, i) => !(w === "ti" && /^[0-9]+$/.test(words[i + 1] ?? ""))).join("");
}

/** One query or name → the form stored in areas.search_text and compared against it. */
export function normaliseForSearch(text: string): string {
  return /[\u1780-\u17FF]/.test(text) ? normaliseKhmer(text) : normaliseLatin(text);
}

/** The stored search text of an area: both names normalised, separated by a space. */
export function areaSearchText(nameKm: string, nameEn: string): string {
  return `${normaliseKhmer(nameKm)} ${normaliseLatin(nameEn)}`;
}
