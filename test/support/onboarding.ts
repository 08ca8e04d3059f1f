/** Walking people through onboarding in tests, the way they would. */
import { expect } from "vitest";
import type { Database } from "../../src/db/client.js";
import { users, type UserRole } from "../../src/db/schema/index.js";
import type { Harness, Person } from "./harness.js";

/** /start → language → agree: the person now sees the location picker. */
export async function reachPicker(person: Person, lang: "km" | "en" = "en", start = "/start"): Promise<void> {
  await person.send(start);
  await person.press(lang === "km" ? "ខ្មែរ" : "English");
  await person.press(lang === "km" ? "✅ យល់ព្រម" : "✅ I agree");
}

/** The whole first-time flow, choosing Sangkat Preaek Chrey (081202) and skipping the profile. */
export async function onboard(person: Person, lang: "km" | "en" = "en"): Promise<void> {
  await reachPicker(person, lang);
  await person.send("Preaek Chrey");
  for (let i = 0; i < 5; i++) await person.press(lang === "km" ? "⏭ រំលង" : "⏭ Skip");
  expect(person.last().text).toContain(lang === "km" ? "តើអ្នកចង់ធ្វើអ្វី?" : "What would you like to do?");
}

/**
 * Someone who finished onboarding in an earlier session: language chosen,
 * consent given, commune known. For tests about what comes after onboarding.
 */
export async function returningCitizen(
  h: Harness,
  db: Database,
  options: { id?: number; lang?: "km" | "en"; communeCode?: string; role?: UserRole; first_name?: string; username?: string } = {},
): Promise<Person> {
  const lang = options.lang ?? "en";
  const person = h.person({
    language_code: lang,
    ...(options.id ? { id: options.id } : {}),
    ...(options.first_name ? { first_name: options.first_name } : {}),
    ...(options.username ? { username: options.username } : {}),
  });
  const now = new Date();
  await db.insert(users).values({
    telegramId: person.id,
    firstName: person.user.first_name,
    username: person.user.username ?? null,
    language: lang,
    communeCode: options.communeCode ?? null,
    role: options.role ?? "citizen",
    consentedAt: now,
    onboardedAt: now,
  });
  return person;
}
