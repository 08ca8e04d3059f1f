/**
 * What a rating is and how it is kept: plain functions over the database,
 * with no Telegram in them (a web form or SMS channel would call the same).
 */
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { inTransaction, type Database, type DatabaseOrTransaction } from "../../db/client.js";
import {
  areas,
  ratings,
  ratingScores,
  type AgeGroup,
  type RatingSex,
  type InformalPaymentAnswer,
  type RatingSource,
  type User,
} from "../../db/schema/index.js";
import { findArea } from "../areas/areas.js";
import { areaLabel } from "../areas/names.js";
import { isScore, type Score } from "../catalogue/scale.js";
import { serviceByKey } from "../catalogue/services.js";

/** A citizen's new rating of a service in a commune replaces their own earlier one within this window. */
export const REPLACEMENT_WINDOW_DAYS = 30;

/** Who rated, for disaggregation only; null means not given or not asked. */
export interface RaterProfile {
  sex: RatingSex | null;
  ageGroup: AgeGroup | null;
  disability: boolean | null;
  minority: boolean | null;
  idPoor: boolean | null;
}

/**
 * The citizen's profile as it is now, copied onto each rating so a later
 * change of profile does not rewrite past figures. The profile columns arrive
 * with onboarding; at merge this reads them from `user`.
 */
export function raterProfileOf(user: User): RaterProfile {
  return {
    sex: user.sex === "undisclosed" ? null : user.sex,
    ageGroup: user.ageGroup,
    disability: user.hasDisability,
    minority: user.isIndigenous,
    idPoor: user.hasIdPoor,
  };
}

export interface RatingInput {
  service: string;
  communeCode: string;
  source: RatingSource;
  /** The citizen (self ratings); never set for interviews. */
  raterUserId?: number;
  /** The volunteer who recorded an interview. */
  volunteerUserId?: number;
  interviewId?: string;
  facilityName?: string | null;
  /** criterion → score; criteria that do not apply are left out. */
  scores: Record<string, number>;
  informalPayment?: InformalPaymentAnswer | null;
  comment?: string | null;
  commentVoiceFileId?: string | null;
  profile: RaterProfile;
}

export class InvalidRating extends Error {}

function validate(input: RatingInput): void {
  const service = serviceByKey(input.service);
  if (!service) throw new InvalidRating(`unknown service ${input.service}`);
  const entries = Object.entries(input.scores);
  if (entries.length === 0) throw new InvalidRating("a rating needs at least one score");
  for (const [criterion, score] of entries) {
    if (!service.criteria.includes(criterion)) throw new InvalidRating(`${criterion} is not a criterion of ${service.key}`);
    if (!isScore(score)) throw new InvalidRating(`score ${score} is outside 1–5`);
  }
  if (input.informalPayment && !service.asksInformalPayment) throw new InvalidRating(`${service.key} does not ask about payments`);
  if (input.source === "interview" && (input.raterUserId !== undefined || input.volunteerUserId === undefined)) {
    throw new InvalidRating("an interview names its volunteer and never its respondent");
  }
  if (input.source === "self" && input.raterUserId === undefined) throw new InvalidRating("a self rating names its rater");
}

export interface PreviousRating {
  id: number;
  createdAt: Date;
}

/** The citizen's own active rating of this service in this commune from the last 30 days, if any. */
export async function previousRatingInWindow(
  db: Pick<Database, "select">,
  who: { raterUserId: number; service: string; communeCode: string },
  now = new Date(),
): Promise<PreviousRating | undefined> {
  const since = new Date(now.getTime() - REPLACEMENT_WINDOW_DAYS * 86_400_000);
  const [row] = await db
    .select({ id: ratings.id, createdAt: ratings.createdAt })
    .from(ratings)
    .where(
      and(
        eq(ratings.raterUserId, who.raterUserId),
        eq(ratings.service, who.service),
        eq(ratings.communeCode, who.communeCode),
        isNull(ratings.supersededAt),
        gt(ratings.createdAt, since),
      ),
    )
    .orderBy(desc(ratings.createdAt))
    .limit(1);
  return row;
}

/**
 * Saves a rating and its scores in one transaction. A self rating supersedes
 * the citizen's earlier one in the window (one counted per person, service,
 * commune and 30 days); a lock on that triple keeps two quick saves from both
 * counting.
 */
export async function recordRating(db: DatabaseOrTransaction, input: RatingInput, now = new Date()): Promise<{ id: number; replacedId?: number }> {
  validate(input);
  return inTransaction(db, async (tx) => {
    let previous: PreviousRating | undefined;
    if (input.source === "self") {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`rating:${input.raterUserId}:${input.service}:${input.communeCode}`}))`);
      previous = await previousRatingInWindow(tx, { raterUserId: input.raterUserId!, service: input.service, communeCode: input.communeCode }, now);
    }
    const [saved] = await tx
      .insert(ratings)
      .values({
        service: input.service,
        communeCode: input.communeCode,
        source: input.source,
        raterUserId: input.raterUserId ?? null,
        volunteerUserId: input.volunteerUserId ?? null,
        interviewId: input.interviewId ?? null,
        facilityName: input.facilityName?.trim() || null,
        informalPayment: input.informalPayment ?? null,
        comment: input.comment?.trim() || null,
        commentVoiceFileId: input.commentVoiceFileId ?? null,
        ...input.profile,
        createdAt: now,
      })
      .returning({ id: ratings.id });
    await tx.insert(ratingScores).values(
      Object.entries(input.scores).map(([criterion, score]) => ({ ratingId: saved!.id, criterion, score: score as Score })),
    );
    if (previous) {
      await tx.update(ratings).set({ supersededAt: now, supersededById: saved!.id }).where(eq(ratings.id, previous.id));
    }
    return { id: saved!.id, ...(previous ? { replacedId: previous.id } : {}) };
  });
}

/** A commune's name with its unit word in the person's language ("ឃុំតាផូ", "Khum Ta Phou"); the code if unknown. */
export async function communeName(db: Database, code: string, lang: "km" | "en"): Promise<string> {
  const area = await findArea(db, code);
  return area ? areaLabel(area, lang) : code;
}

/**
 * /forget: the person's ratings stay, as anonymous figures only. Ratings they
 * recorded as a volunteer keep "interview" as their source, without them.
 */
export async function detachRatingsFrom(tx: DatabaseOrTransaction, userId: number): Promise<void> {
  await tx.update(ratings).set({ raterUserId: null }).where(eq(ratings.raterUserId, userId));
  await tx.update(ratings).set({ volunteerUserId: null }).where(eq(ratings.volunteerUserId, userId));
}
