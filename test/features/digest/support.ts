/** Seeding ratings and complaints at given instants, for digest figures computed by hand. */
import { randomUUID } from "node:crypto";
import type { Database } from "../../../src/db/client.js";
import { complaintEvents, complaints, ratings, ratingScores, users, type ComplaintStatus } from "../../../src/db/schema/index.js";

/** An instant given as Phnom Penh wall-clock time, e.g. pp("2026-01-06 10:00"). */
export const pp = (local: string) => new Date(`${local.replace(" ", "T")}:00+07:00`);

let nextTelegramId = 9_100_000;
export async function seedUser(db: Database): Promise<number> {
  const [row] = await db.insert(users).values({ telegramId: nextTelegramId++, firstName: "Rater" }).returning({ id: users.id });
  return row!.id;
}

export interface SeedRating {
  service: string;
  commune: string;
  at: Date;
  scores: Record<string, number>;
  /** A citizen's user id, or an interview id (string). */
  by: number | string;
  sex?: "female" | "male" | null;
  ageGroup?: "15_30" | "31_45" | null;
  disability?: boolean | null;
  informal?: "yes" | "no" | "dont_know" | null;
  superseded?: boolean;
}

export async function seedRating(db: Database, r: SeedRating): Promise<void> {
  const [row] = await db
    .insert(ratings)
    .values({
      service: r.service,
      communeCode: r.commune,
      source: typeof r.by === "number" ? "self" : "interview",
      raterUserId: typeof r.by === "number" ? r.by : null,
      interviewId: typeof r.by === "string" ? r.by : null,
      sex: r.sex ?? null,
      ageGroup: r.ageGroup ?? null,
      disability: r.disability ?? null,
      informalPayment: r.informal ?? null,
      comment: "The nurse Sophea was rude to me",
      createdAt: r.at,
      supersededAt: r.superseded ? r.at : null,
    })
    .returning({ id: ratings.id });
  await db.insert(ratingScores).values(Object.entries(r.scores).map(([criterion, score]) => ({ ratingId: row!.id, criterion, score })));
}

export const interview = () => randomUUID();

let nextReference = 1;
export async function seedComplaint(
  db: Database,
  c: {
    commune: string;
    council: string;
    category: string;
    status: ComplaintStatus;
    at: Date;
    events?: { to: ComplaintStatus; at: Date }[];
    /** The author's user id (none: nobody to write to), and whether they filed anonymously. */
    by?: number;
    anonymous?: boolean;
  },
): Promise<number> {
  const [row] = await db
    .insert(complaints)
    .values({
      reference: `MT-2026-${String(nextReference++).padStart(6, "0")}-${Math.random().toString(36).slice(2, 6)}`.slice(0, 20),
      userId: c.by ?? null,
      anonymous: c.anonymous ?? false,
      reporterName: c.anonymous ? null : "Sokha",
      communeCode: c.commune,
      councilAreaCode: c.council,
      category: c.category,
      description: "Private details nobody should see in a digest",
      status: c.status,
      createdAt: c.at,
    })
    .returning({ id: complaints.id });
  let from: ComplaintStatus = "new";
  for (const e of c.events ?? []) {
    await db.insert(complaintEvents).values({ complaintId: row!.id, kind: "status", fromStatus: from, toStatus: e.to, actorKind: "council", councilAreaCode: c.council, createdAt: e.at });
    from = e.to;
  }
  return row!.id;
}
