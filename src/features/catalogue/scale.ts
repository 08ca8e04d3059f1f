/**
 * The ISAF Community Scorecard scale, 1–5 with faces. "Doesn't apply / don't
 * know" is a separate answer and never a score.
 */
export const scale = [
  { score: 1, code: "very_bad", face: "😠" },
  { score: 2, code: "bad", face: "🙁" },
  { score: 3, code: "acceptable", face: "😐" },
  { score: 4, code: "good", face: "🙂" },
  { score: 5, code: "very_good", face: "😀" },
] as const;

export type Score = (typeof scale)[number]["score"];

/** A rating counts as "satisfied" at 4 or 5, as ISAF reports it. */
export const SATISFIED_FROM: Score = 4;

/** Figures built on fewer ratings than this are never shown (digests, exports, API). */
export const MIN_RATINGS_SHOWN = 5;

export const scaleLabelKey = (code: string) => `catalogue.scale.${code}`;

export function isScore(value: number): value is Score {
  return Number.isInteger(value) && value >= 1 && value <= 5;
}
