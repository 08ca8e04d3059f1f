/**
 * Who may do what: admins (from ADMIN_TELEGRAM_IDS) grant and revoke staff;
 * staff and admins grant volunteers, for communes, directly or with a
 * one-time invite link. Plain functions over the database.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, DatabaseOrTransaction } from "../../db/client.js";
import { areas, users, volunteerCommunes, volunteerInvites, type User } from "../../db/schema/index.js";
import { hasRole } from "../users/users.js";

export const INVITE_VALID_DAYS = 7;

export type PersonRef = { telegramId: number } | { username: string };

/** Someone who has started the bot, by Telegram id or @username (case-insensitive). */
export async function findPerson(db: Database, ref: PersonRef): Promise<User | undefined> {
  const [row] =
    "telegramId" in ref
      ? await db.select().from(users).where(eq(users.telegramId, ref.telegramId)).limit(1)
      : await db.select().from(users).where(sql`lower(${users.username}) = ${ref.username.replace(/^@/, "").toLowerCase()}`).limit(1);
  return row;
}

/** The given codes that are not communes of the gazetteer (empty: all good). */
export async function unknownCommunes(db: Database, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const found = await db.select({ code: areas.code }).from(areas).where(and(inArray(areas.code, [...codes]), eq(areas.level, "commune")));
  const known = new Set(found.map((f) => f.code));
  return codes.filter((c) => !known.has(c));
}

export type RoleChange =
  | { ok: true; user: User }
  | { ok: false; reason: "not_allowed" | "admin_only" | "is_admin" | "unknown_communes" | "no_communes" | "nothing_to_revoke"; codes?: string[] };

/** staff: by an admin. volunteer: by staff or an admin, for at least one commune; a higher role is kept. */
export async function grantRole(
  db: Database,
  change: { actor: User; target: User; role: "staff" | "volunteer"; communeCodes?: readonly string[] },
): Promise<RoleChange> {
  const { actor, target, role } = change;
  if (!hasRole(actor, "staff")) return { ok: false, reason: "not_allowed" };
  if (role === "staff") {
    if (!hasRole(actor, "admin")) return { ok: false, reason: "admin_only" };
    if (target.role === "admin") return { ok: false, reason: "is_admin" };
    const [updated] = await db.update(users).set({ role: "staff", updatedAt: new Date() }).where(eq(users.id, target.id)).returning();
    return { ok: true, user: updated! };
  }
  const codes = [...new Set(change.communeCodes ?? [])];
  if (codes.length === 0) return { ok: false, reason: "no_communes" };
  const unknown = await unknownCommunes(db, codes);
  if (unknown.length) return { ok: false, reason: "unknown_communes", codes: unknown };
  const user = await db.transaction((tx) => makeVolunteer(tx, target.id, codes, actor.id));
  return { ok: true, user };
}

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

async function makeVolunteer(tx: Tx, userId: number, codes: readonly string[], grantedById: number | null): Promise<User> {
  // Staff and admins who record interviews keep their role.
  const [updated] = await tx
    .update(users)
    .set({ role: sql`case when ${users.role} = 'citizen' then 'volunteer' else ${users.role} end`, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  await tx
    .insert(volunteerCommunes)
    .values(codes.map((communeCode) => ({ userId, communeCode, grantedById })))
    .onConflictDoNothing();
  return updated!;
}

/** Back to citizen: staff by an admin, volunteers by staff or an admin. Admins come from the configuration only. */
export async function revokeRole(db: Database, change: { actor: User; target: User }): Promise<RoleChange> {
  const { actor, target } = change;
  if (!hasRole(actor, "staff")) return { ok: false, reason: "not_allowed" };
  if (target.role === "admin") return { ok: false, reason: "is_admin" };
  if (target.role === "staff" && !hasRole(actor, "admin")) return { ok: false, reason: "admin_only" };
  if (target.role === "citizen") return { ok: false, reason: "nothing_to_revoke" };
  const user = await db.transaction(async (tx) => {
    await tx.delete(volunteerCommunes).where(eq(volunteerCommunes.userId, target.id));
    const [updated] = await tx.update(users).set({ role: "citizen", updatedAt: new Date() }).where(eq(users.id, target.id)).returning();
    return updated!;
  });
  return { ok: true, user };
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** A single-use link token (only its hash is stored), valid for 7 days. */
export async function createVolunteerInvite(
  db: Database,
  invite: { actor: User; communeCodes: readonly string[] },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(16).toString("base64url");
  const expiresAt = new Date(now.getTime() + INVITE_VALID_DAYS * 86_400_000);
  await db.insert(volunteerInvites).values({
    tokenHash: hashToken(token),
    communeCodes: [...new Set(invite.communeCodes)],
    createdById: invite.actor.id,
    createdAt: now,
    expiresAt,
  });
  return { token, expiresAt };
}

export type InviteRedemption = { ok: true; communeCodes: string[] } | { ok: false; reason: "unknown" | "used" | "expired" };

/** Opens an invite once: the first person makes it used, in the same transaction that makes them a volunteer. */
export async function redeemVolunteerInvite(db: Database, redemption: { token: string; user: User }, now = new Date()): Promise<InviteRedemption> {
  return db.transaction(async (tx) => {
    const [invite] = await tx.select().from(volunteerInvites).where(eq(volunteerInvites.tokenHash, hashToken(redemption.token))).for("update").limit(1);
    if (!invite) return { ok: false, reason: "unknown" };
    if (invite.usedAt) return { ok: false, reason: "used" };
    if (invite.expiresAt <= now) return { ok: false, reason: "expired" };
    await tx.update(volunteerInvites).set({ usedAt: now, usedById: redemption.user.id }).where(eq(volunteerInvites.id, invite.id));
    await makeVolunteer(tx, redemption.user.id, invite.communeCodes, invite.createdById);
    return { ok: true, communeCodes: invite.communeCodes };
  });
}

/** The communes a volunteer covers, in code order. */
export async function communesOfVolunteer(db: Database, userId: number): Promise<string[]> {
  const rows = await db
    .select({ code: volunteerCommunes.communeCode })
    .from(volunteerCommunes)
    .where(eq(volunteerCommunes.userId, userId))
    .orderBy(volunteerCommunes.communeCode);
  return rows.map((r) => r.code);
}

/** /forget: a volunteer's communes go, and invites keep no trace of who made or used them. */
export async function detachRolesFrom(tx: DatabaseOrTransaction, userId: number): Promise<void> {
  await tx.delete(volunteerCommunes).where(eq(volunteerCommunes.userId, userId));
  await tx.update(volunteerCommunes).set({ grantedById: null }).where(eq(volunteerCommunes.grantedById, userId));
  await tx.update(volunteerInvites).set({ createdById: null }).where(eq(volunteerInvites.createdById, userId));
  await tx.update(volunteerInvites).set({ usedById: null }).where(eq(volunteerInvites.usedById, userId));
}
