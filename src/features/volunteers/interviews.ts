/** Interviews volunteers record for people who do not use Telegram. */
import { and, countDistinct, count, eq, gte, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { ratings } from "../../db/schema/index.js";

export interface InterviewCount {
  communeCode: string;
  /** Respondents interviewed (several services of one respondent are one interview). */
  interviews: number;
  ratings: number;
}

/** Per commune, this calendar month in the given time zone (Asia/Phnom_Penh in practice). */
export async function interviewCountsThisMonth(db: Database, volunteerUserId: number, timeZone: string, now = new Date()): Promise<InterviewCount[]> {
  const monthStart = sql`date_trunc('month', ${now.toISOString()}::timestamptz at time zone ${timeZone}) at time zone ${timeZone}`;
  return db
    .select({ communeCode: ratings.communeCode, interviews: countDistinct(ratings.interviewId), ratings: count() })
    .from(ratings)
    .where(and(eq(ratings.source, "interview"), eq(ratings.volunteerUserId, volunteerUserId), gte(ratings.createdAt, monthStart)))
    .groupBy(ratings.communeCode)
    .orderBy(ratings.communeCode);
}
