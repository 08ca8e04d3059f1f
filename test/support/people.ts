/** People with a users row, a commune and a role, as the onboarding and /grant features would leave them. */
import { eq } from "drizzle-orm";
import type { User } from "grammy/types";
import { users, type UserRole } from "../../src/db/schema/index.js";
import type { TestEnvironment } from "./env.js";
import type { Harness, Person } from "./harness.js";
import { returningCitizen } from "./onboarding.js";

export interface Registration {
  communeCode?: string | null;
  language?: "km" | "en";
  role?: UserRole;
  announcements?: boolean;
  blockedBot?: boolean;
}

/** A person who finished onboarding earlier (see returningCitizen), with these fields. */
export async function registered(env: TestEnvironment, h: Harness, fields: Registration = {}, telegram: Partial<User> = {}): Promise<Person> {
  const person = await returningCitizen(h, env.db, {
    lang: fields.language ?? "km",
    communeCode: fields.communeCode ?? undefined,
    role: fields.role,
    id: telegram.id,
    first_name: telegram.first_name,
    username: telegram.username,
  });
  if (fields.announcements === false || fields.blockedBot) {
    await env.db
      .update(users)
      .set({ announcements: fields.announcements ?? true, blockedBot: fields.blockedBot ?? false })
      .where(eq(users.telegramId, person.id));
  }
  return person;
}

export async function userRow(env: TestEnvironment, telegramId: number) {
  const [row] = await env.db.select().from(users).where(eq(users.telegramId, telegramId));
  return row!;
}
