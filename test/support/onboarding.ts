/** Walking people through onboarding in tests, the way they would. */
import { expect } from "vitest";
import type { Person } from "./harness.js";

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
