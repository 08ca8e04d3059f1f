/** Who a person is to Mati: their users row, language, commune and role. */
import { and, eq, isNotNull, ne, sql } from "drizzle-orm";
import { batched } from "../../db/batched.js";
import type { Database } from "../../db/client.js";
import { users, type Language, type User, type UserRole } from "../../db/schema/index.js";

export interface TelegramPerson {
  id: number;
  first_name: string;
  username?: string;
}

/**
 * Finds or creates the person's row and keeps their name, username and
 * blocked flag current. The common case is one SELECT, shared with the other
 * updates of the moment (userByTelegramId); writes happen only when something
 * changed. Admins listed in config are promoted on sight.
 */
export async function ensureUser(db: Database, person: TelegramPerson, adminIds: readonly number[]): Promise<User> {
  const wantsAdmin = adminIds.includes(person.id);
  const existing = await userByTelegramId(db)(person.id);
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

/**
 * The lookup every update makes, shared by the updates of the moment: at
 * load, the people of all updates waiting behind the statement in flight are
 * read by the next one (db/batched.ts), each update getting its own row as
 * if it had asked alone. One prepared statement per database, built once
 * (drizzle's query building is not free). Why: Postgres is the part several
 * bot instances share, and this is its most frequent statement; batched, a
 * busy bot sends it about once per two updates instead of once per update
 * (bench:updates). At low load each update still asks at once, on its own.
 */
const lookups = new WeakMap<Database, (telegramId: number) => Promise<User | undefined>>();
function userByTelegramId(db: Database): (telegramId: number) => Promise<User | undefined> {
  let lookup = lookups.get(db);
  if (!lookup) {
    const query = db
      .select()
      .from(users)
      .where(sql`${users.telegramId} = any(${sql.placeholder("telegramIds")}::bigint[])`)
      .prepare("users_by_telegram_ids");
    lookup = batched<number, User | undefined>(async (telegramIds) => {
      const rows = await query.execute({ telegramIds: [...new Set(telegramIds)] });
      const byId = new Map(rows.map((row) => [row.telegramId, row]));
      return telegramIds.map((id) => byId.get(id));
    });
    lookups.set(db, lookup);
  }
  return lookup;
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
