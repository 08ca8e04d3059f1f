/** People with a users row, a commune and a role, as the onboarding and /grant features would leave them. */
import { eq } from "drizzle-orm";
import type { User } from "grammy/types";
import { users, type UserRole } from "../../src/db/schema/index.js";
import type { TestEnvironment } from "./env.js";
import type { Harness, Person } from "./harness.js";

export interface Registration {
  communeCode?: string | null;
  language?: "km" | "en";
  role?: UserRole;
  announcements?: boolean;
  blockedBot?: boolean;
}

/** A person who has sent /start (so their row exists), then had these fields set. */
export async function registered(env: TestEnvironment, h: Harness, fields: Registration = {}, telegram: Partial<User> = {}): Promise<Person> {
  const person = h.person(telegram);
  await person.send("/start");
  await env.db
    .update(users)
    .set({
      language: fields.language ?? "km",
      communeCode: fields.communeCode ?? null,
      role: fields.role ?? "citizen",
      announcements: fields.announcements ?? true,
      blockedBot: fields.blockedBot ?? false,
    })
    .where(eq(users.telegramId, person.id));
  return person;
}

export async function userRow(env: TestEnvironment, telegramId: number) {
  const [row] = await env.db.select().from(users).where(eq(users.telegramId, telegramId));
  return row!;
}
