/** Who a person is to Mati: their users row, language, commune and role. */
import { and, eq, isNotNull, ne, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { users, type Language, type User, type UserRole } from "../../db/schema/index.js";

export interface TelegramPerson {
  id: number;
  first_name: string;
  username?: string;
}

/**
 * Finds or creates the person's row and keeps their name, username and
 * blocked flag current. The common case is one SELECT; writes happen only when
 * something changed. Admins listed in config are promoted on sight.
 */
export async function ensureUser(db: Database, person: TelegramPerson, adminIds: readonly number[]): Promise<User> {
  const wantsAdmin = adminIds.includes(person.id);
  const [existing] = await userByTelegramId(db).execute({ telegramId: person.id });
  const username = person.username ?? null;
  if (!existing) {
    const [created] = await db
      .insert(users)
      .values({ telegramId: person.id, firstName: person.first_name, username, role: wantsAdmin ? "admin" : "citizen" })
      .onConflictDoUpdate({ target: users.telegramId, set: { firstName: person.first_name, username } })
      .returning();
    return created!;
  }
  const role: UserRole = wantsAdmin ? "admin" : existing.role;
  if (existing.firstName === person.first_name && existing.username === username && !existing.blockedBot && existing.role === role) {
    return existing;
  }
  const [updated] = await db
    .update(users)
    .set({ firstName: person.first_name, username, blockedBot: false, role, updatedAt: new Date() })
    .where(eq(users.id, existing.id))
    .returning();
  return updated!;
}

/** The language a person chose, if they have a row and chose one. */
export async function languageOf(db: Database, telegramId: number): Promise<Language | undefined> {
  const [row] = await db.select({ language: users.language }).from(users).where(eq(users.telegramId, telegramId)).limit(1);
  return row?.language ?? undefined;
}

/** The query every update runs, built once per database (drizzle's query building is not free). */
const prepared = new WeakMap<Database, ReturnType<typeof prepareUserByTelegramId>>();
function prepareUserByTelegramId(db: Database) {
  return db.select().from(users).where(eq(users.telegramId, sql.placeholder("telegramId"))).limit(1).prepare("user_by_telegram_id");
}
function userByTelegramId(db: Database) {
  let query = prepared.get(db);
  if (!query) prepared.set(db, (query = prepareUserByTelegramId(db)));
  return query;
}

export async function setUserLanguage(db: Database, userId: number, language: Language): Promise<void> {
  await db.update(users).set({ language, updatedAt: new Date() }).where(eq(users.id, userId));
}

/** Telegram said 403 (blocked, deactivated): stop sending until the person writes again. */
export async function markChatBlocked(db: Database, telegramId: number): Promise<void> {
  await db.update(users).set({ blockedBot: true, updatedAt: new Date() }).where(eq(users.telegramId, telegramId));
}

/** Staff, volunteers and admins who can still be reached (for their own command menus). */
export async function peopleWithRoles(db: Database): Promise<Pick<User, "telegramId" | "role">[]> {
  return db
    .select({ telegramId: users.telegramId, role: users.role })
    .from(users)
    .where(and(ne(users.role, "citizen"), isNotNull(users.telegramId)));
}

const roleRank: Record<UserRole, number> = { citizen: 0, volunteer: 1, staff: 2, admin: 3 };
/** Staff actions require staff or admin; admin actions require admin. */
export function hasRole(user: Pick<User, "role"> | undefined, needed: UserRole): boolean {
  return !!user && roleRank[user.role] >= roleRank[needed];
}
