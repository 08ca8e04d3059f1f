import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uuid,
  varchar,
  type AnyPgColumn,
} from "drizzle-orm/pg-core";
import { areas } from "./areas.js";
import { ageGroups, users, type AgeGroup, type Sex } from "./users.js";

export const ratingSources = ["self", "interview"] as const;
export type RatingSource = (typeof ratingSources)[number];
export const informalPaymentAnswers = ["yes", "no", "dont_know"] as const;
export type InformalPaymentAnswer = (typeof informalPaymentAnswers)[number];
/** The rater's sex as counted in reports: "prefer not to say" is stored as null, like "not asked". */
export const ratingSexes = ["female", "male", "other"] as const satisfies readonly Sex[];
export type RatingSex = (typeof ratingSexes)[number];

const sqlList = (values: readonly string[]) => `(${values.map((v) => `'${v}'`).join(", ")})`;

/**
 * One person's scores for one service in one commune at one time: a citizen's
 * own rating (source "self", rater set) or one a volunteer recorded in an
 * interview (source "interview", volunteer set, the respondent never
 * identified). A later self rating of the same service and commune within 30
 * days supersedes the earlier one: aggregates read `superseded_at IS NULL`.
 */
export const ratings = pgTable(
  "ratings",
  {
    id: serial("id").primaryKey(),
    service: text("service").notNull(),
    communeCode: varchar("commune_code", { length: 8 }).notNull().references(() => areas.code),
    source: text("source").$type<RatingSource>().notNull(),
    raterUserId: integer("rater_user_id").references(() => users.id, { onDelete: "set null" }),
    volunteerUserId: integer("volunteer_user_id").references(() => users.id, { onDelete: "set null" }),
    /** Ratings of one interview respondent share this (random) id: interviews are counted by it. */
    interviewId: uuid("interview_id"),
    facilityName: text("facility_name"),
    informalPayment: text("informal_payment").$type<InformalPaymentAnswer>(),
    comment: text("comment"),
    commentVoiceFileId: text("comment_voice_file_id"),
    // The rater's profile at the time, for disaggregation only (null: not given / not asked).
    sex: text("sex").$type<RatingSex>(),
    ageGroup: text("age_group").$type<AgeGroup>(),
    disability: boolean("disability"),
    minority: boolean("minority"),
    idPoor: boolean("id_poor"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    supersededAt: timestamp("superseded_at", { withTimezone: true }),
    supersededById: integer("superseded_by_id").references((): AnyPgColumn => ratings.id, { onDelete: "set null" }),
  },
  (t) => [
    index("ratings_commune_service_created_idx").on(t.communeCode, t.service, t.createdAt),
    index("ratings_created_idx").on(t.createdAt),
    index("ratings_rater_idx").on(t.raterUserId, t.service, t.communeCode),
    index("ratings_volunteer_idx").on(t.volunteerUserId, t.createdAt),
    // Digests: one commune's ratings in a date range (bench:digest, EXPLAIN).
    index("ratings_digest_idx").on(t.communeCode, t.createdAt).where(sql`${t.supersededAt} is null`),
    check("ratings_source_check", sql`${t.source} in ('self', 'interview')`),
    // An interview respondent has no user row, ever.
    check("ratings_interview_anonymous_check", sql`${t.source} <> 'interview' or ${t.raterUserId} is null`),
    check("ratings_informal_payment_check", sql`${t.informalPayment} is null or ${t.informalPayment} in ('yes', 'no', 'dont_know')`),
    check("ratings_sex_check", sql`${t.sex} is null or ${t.sex} in ${sql.raw(sqlList(ratingSexes))}`),
    check("ratings_age_group_check", sql`${t.ageGroup} is null or ${t.ageGroup} in ${sql.raw(sqlList(ageGroups))}`),
  ],
);

/** One criterion's score; "doesn't apply / don't know" is the absence of a row, never a zero. */
export const ratingScores = pgTable(
  "rating_scores",
  {
    ratingId: integer("rating_id").notNull().references(() => ratings.id, { onDelete: "cascade" }),
    criterion: text("criterion").notNull(),
    score: smallint("score").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ratingId, t.criterion] }),
    check("rating_scores_score_check", sql`${t.score} between 1 and 5`),
    // Digests read scores by rating without touching the table (index-only scans).
    index("rating_scores_digest_idx").on(t.ratingId, t.criterion, t.score),
  ],
);

export type Rating = typeof ratings.$inferSelect;
export type RatingScore = typeof ratingScores.$inferSelect;
