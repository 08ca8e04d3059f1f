/**
 * Text normalisation for matching area names as people type them.
 *
 * Khmer: no spaces between words; coeng DA (U+17D2 U+178A) and coeng TA
 * (U+17D2 U+178F) are used interchangeably for the same sound; published text
 * carries zero-width spaces. Latin: NCDD romanisation differs from popular
 * spellings (Phnum/Phnom, Kaoh/Koh, Preaek/Prek …), accents come and go.
 */
const ZERO_WIDTH = /[\u200B\u200C\u200D\u2060\uFEFF]/g;
const COENG_DA = "\u17D2\u178A";
const COENG_TA = "\u17D2\u178F";

/** Popular spelling → the NCDD form, applied word by word to queries and names alike. */
const LATIN_SPELLINGS: Record<string, string> = {
  phnom: "phnum",
  koh: "kaoh",
  kos: "kaoh",
  prek: "preaek",
  praek: "preaek",
  preak: "preaek",
  teuk: "tuek",
  tuk: "tuek",
  stung: "stueng",
  steung: "stueng",
  boeung: "boeng",
  beng: "boeng",
  kompong: "kampong",
  krong: "",
  srok: "",
  khan: "",
  khum: "",
  sangkat: "",
};

export function normaliseKhmer(text: string): string {
  return text.normalize("NFC").replace(ZERO_WIDTH, "").replaceAll(COENG_DA, COENG_TA).replace(/\s+/g, "");
}

export function normaliseLatin(text: string): string {
  const words = text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(ZERO_WIDTH, "")
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((w) => LATIN_SPELLINGS[w] ?? w)
    .filter(Boolean);
  return words.join("");
}

/** One query or name → the form stored in areas.search_text and compared against it. */
export function normaliseForSearch(text: string): string {
  return /[\u1780-\u17FF]/.test(text) ? normaliseKhmer(text) : normaliseLatin(text);
}

/** The stored search text of an area: both names normalised, separated by a space. */
export function areaSearchText(nameKm: string, nameEn: string): string {
  return `${normaliseKhmer(nameKm)} ${normaliseLatin(nameEn)}`;
}
