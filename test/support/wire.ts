/** People talking to Mati over the wire (a process or an app polling or serving a webhook), not through handleUpdate. */
import type { Chat, Update, User } from "grammy/types";
import { expect } from "vitest";
import { users } from "../../src/db/schema/index.js";
import type { Database } from "../../src/db/client.js";
import type { FakeTelegram } from "./fake-telegram.js";
import { eventually, Person } from "./harness.js";

/**
 * Delivers as Telegram does and waits until the update is handled: by
 * webhook, until it is answered 2xx; by long polling, until a getUpdates
 * confirms it (which Mati does only once it is handled).
 */
export async function deliverOverTheWire(fake: FakeTelegram, update: Update, timeoutMs = 30_000): Promise<void> {
  await fake.pushUpdate(update);
  if (!fake.webhook) await eventually(() => expect(fake.confirmedOffset).toBeGreaterThan(update.update_id), timeoutMs);
}

export function wirePerson(fake: FakeTelegram, user: User, chat: Chat = fake.addPrivateChat(user)): Person {
  return new Person(fake, (update) => deliverOverTheWire(fake, update), user, chat);
}

/** Someone who finished onboarding earlier (language, consent, commune), talking over the wire. */
export async function wireCitizen(fake: FakeTelegram, db: Database, options: { lang?: "km" | "en"; communeCode: string; first_name?: string }): Promise<Person> {
  const lang = options.lang ?? "en";
  const user = fake.newUser({ language_code: lang, first_name: options.first_name ?? "Test" });
  const now = new Date();
  await db.insert(users).values({ telegramId: user.id, firstName: user.first_name, language: lang, communeCode: options.communeCode, consentedAt: now, onboardedAt: now });
  return wirePerson(fake, user);
}
