/**
 * What a person tells Mati about themselves during onboarding and in
 * settings, and how they are forgotten. Plain functions over the database.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DatabaseTransaction } from "../../bot/feature.js";
import type { Database } from "../../db/client.js";
import { users, type AgeGroup, type Sex, type User } from "../../db/schema/index.js";

/** The optional profile (each null when skipped), used only for counts in reports. */
export interface Profile {
  sex: Sex | null;
  ageGroup: AgeGroup | null;
  hasDisability: boolean | null;
  isIndigenous: boolean | null;
  hasIdPoor: boolean | null;
}
export type ProfileField = keyof Profile;

export function profileOf(user: Pick<User, ProfileField>): Profile {
  return {
    sex: user.sex,
    ageGroup: user.ageGroup,
    hasDisability: user.hasDisability,
    isIndigenous: user.isIndigenous,
    hasIdPoor: user.hasIdPoor,
  };
}

export async function findPerson(db: Database, userId: number): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return row;
}

export async function recordConsent(db: Database, userId: number): Promise<void> {
  await db.update(users).set({ consentedAt: new Date(), updatedAt: new Date() }).where(eq(users.id, userId));
}

export async function finishOnboarding(db: Database, userId: number): Promise<void> {
  await db.update(users).set({ onboardedAt: new Date(), updatedAt: new Date() }).where(eq(users.id, userId));
}

export async function setProfileAnswer<F extends ProfileField>(db: Database, userId: number, field: F, value: Profile[F]): Promise<void> {
  await db.update(users).set({ [field]: value, updatedAt: new Date() }).where(eq(users.id, userId));
}

export async function setAnnouncements(db: Database, userId: number, on: boolean): Promise<void> {
  await db.update(users).set({ announcements: on, updatedAt: new Date() }).where(eq(users.id, userId));
}

/** Whether the person gets the summary of their commune's results after each period. */
export async function setCommuneResults(db: Database, userId: number, on: boolean): Promise<void> {
  await db.update(users).set({ communeResults: on, updatedAt: new Date() }).where(eq(users.id, userId));
}

/** A transaction handed to each feature's forget hook. */
export type ForgetTransaction = DatabaseTransaction;
export type ForgetHook = (tx: ForgetTransaction, userId: number) => Promise<void>;

/**
 * Erases a person's identity in one transaction: first every feature's hook
 * (which unlinks or deletes what it holds about them: ratings become part of
 * anonymous aggregates, complaints lose their author), then the users row
 * becomes a tombstone: no Telegram id, name, username, place, profile or
 * consent; a random marker says it was forgotten. The row itself stays so
 * that rows pointing at it keep their integrity. If any hook fails, nothing
 * is erased and the error goes up (the person gets the apology and can retry).
 */
export async function forgetPerson(db: Database, userId: number, hooks: readonly ForgetHook[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const hook of hooks) await hook(tx, userId);
    await tx
      .update(users)
      .set({
        telegramId: null,
        firstName: null,
        username: null,
        language: null,
        communeCode: null,
        role: "citizen",
        announcements: false,
        communeResults: false,
        blockedBot: false,
        consentedAt: null,
        onboardedAt: null,
        sex: null,
        ageGroup: null,
        hasDisability: null,
        isIndigenous: null,
        hasIdPoor: null,
        tombstone: randomUUID(),
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId));
  });
}
