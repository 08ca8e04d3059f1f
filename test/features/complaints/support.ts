/** Steps the complaint and council tests share: people, linked groups, a complaint filed the way a citizen files one. */
import { returningCitizen } from "../../support/onboarding.js";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { complaints, users, type Complaint } from "../../../src/db/schema/index.js";
import type { TestEnvironment } from "../../support/env.js";
import type { SeenMessage } from "../../support/fake-telegram.js";
import { eventually, type Harness, type Person, type TestGroup } from "../../support/harness.js";
import { communes, districts } from "../../support/areas.js";

export async function setUser(env: TestEnvironment, person: Person, fields: Partial<typeof users.$inferInsert>): Promise<void> {
  await env.db.update(users).set(fields).where(eq(users.telegramId, person.id));
}

/** A citizen who chose a language and whose commune is known. */
export async function citizen(h: Harness, env: TestEnvironment, lang: "km" | "en", communeCode: string, fields: Parameters<Harness["person"]>[0] = {}): Promise<Person> {
  return returningCitizen(h, env.db, { lang, communeCode, first_name: fields.first_name, username: fields.username });
}

export async function staff(h: Harness, env: TestEnvironment): Promise<Person> {
  return returningCitizen(h, env.db, { first_name: "Dara", lang: "en", role: "staff" });
}

/** Staff create a code for the area; the group's admin links the group with it. */
export async function linkCouncil(stafer: Person, group: TestGroup, areaCode: string, admin?: Person): Promise<Person> {
  await stafer.send(`/linkcode ${areaCode}`);
  const code = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(stafer.last().text)?.[1];
  expect(code, stafer.last().text).toBeDefined();
  const a = admin ?? group.member({ first_name: "Sophal" }, "administrator");
  await a.send(`/link ${code}`);
  expect(group.messages().some((m) => m.text.startsWith("✅"))).toBe(true);
  return a;
}

export interface Filing {
  category: string;
  service?: string;
  text?: string;
  photos?: number;
  voice?: boolean;
  location?: { latitude: number; longitude: number };
  anonymous?: boolean;
  /** Agree that the text is published as open data (no by default). */
  publish?: boolean;
}

/** Labels by language, so the same steps drive both. */
const labels = {
  km: { none: "គ្មានក្នុងបញ្ជី / មិនមែនសេវា", skip: "⏭ រំលង", done: "✅ រួចរាល់", anon: "🙈 អនាមិក", named: "👤 ដាក់ឈ្មោះខ្ញុំ", send: "✅ ផ្ញើ", publishNo: "🔒 ទេ ឲ្យតែក្រុមប្រឹក្សាឃើញ", publishYes: "🌐 បាទ/ចាស ផ្សព្វផ្សាយអត្ថបទ" },
  en: { none: "None of these / not a service", skip: "⏭ Skip", done: "✅ Done", anon: "🙈 Anonymous", named: "👤 With my first name", send: "✅ Send", publishNo: "🔒 No, only the council sees the text", publishYes: "🌐 Yes, publish the text" },
};

/** Files a complaint through the conversation; returns the row. */
export async function fileThroughBot(env: TestEnvironment, p: Person, lang: "km" | "en", f: Filing): Promise<Complaint> {
  const l = labels[lang];
  await p.send("/complain");
  await p.pressData(`cf:cat:${f.category}`, p.messages().findLast((m) => m.buttons.length > 0));
  if (f.category !== "land") {
    await p.pressData(`cf:svc:${f.service ?? "none"}`, p.last());
  }
  await p.send(f.text ?? "The nurse asked 20,000 riel for a vaccination that is free.");
  for (let i = 0; i < (f.photos ?? 0); i++) await p.sendPhoto();
  if (f.voice) await p.sendVoice();
  if ((f.photos ?? 0) > 0 || f.voice) await p.press(l.done);
  else await p.press(l.skip);
  if (f.location) await p.sendLocation(f.location.latitude, f.location.longitude);
  else await p.send(l.skip);
  await p.press(f.anonymous ? l.anon : l.named);
  await p.press(f.publish ? l.publishYes : l.publishNo);
  await p.press(l.send);
  expect(p.last().text).toMatch(/MT-\d{4}-\d{6}/);
  const reference = /MT-\d{4}-\d{6}/.exec(p.last().text)![0];
  const [row] = await env.db.select().from(complaints).where(eq(complaints.reference, reference));
  return row!;
}

/** The council's message for a complaint in a group (the one with the reference in its title). */
export function councilMessageIn(group: TestGroup, reference: string): SeenMessage {
  const m = group.messages().find((x) => x.kind === "text" && x.text.includes(reference) && x.text.startsWith("📣"));
  if (!m) throw new Error(`no message for ${reference} in ${group.chat.title}: ${JSON.stringify(group.messages().map((x) => x.text.slice(0, 60)))}`);
  return m;
}

/**
 * The bot's latest prompt about a complaint in a group (its question, note or reason, asked as a
 * reply to the council's message), not whatever reached the group last: a queued, paced notice
 * can land after the prompt.
 */
export function promptIn(group: TestGroup, reference: string): SeenMessage {
  const council = councilMessageIn(group, reference);
  const m = group.messages().findLast((x) => x.raw.reply_to_message?.message_id === council.message_id && x.raw.from?.is_bot);
  if (!m) throw new Error(`no prompt about ${reference} in ${group.chat.title}`);
  return m;
}

/**
 * How long to wait for a queued, paced message (a group gets at most one every 3 s, a person one a
 * second): under a full test run's load a third or fourth message to the same chat can take longer
 * than eventually's usual 10 s.
 */
export const QUEUED_MS = 30_000;

/**
 * Waits for the council's message, and until the bot has recorded it as the
 * complaint's message in that group (the worker posts first and records
 * after: a button pressed in between is refused as another council's, which
 * a person, slower than a test, never meets). With `citizen`, also for the
 * citizen's "it has reached the council" notice, so that later `last()`
 * checks on the citizen's chat are not overtaken by it.
 */
export async function delivered(group: TestGroup, reference: string, citizen?: Person): Promise<SeenMessage> {
  const message = await eventually(() => councilMessageIn(group, reference), QUEUED_MS);
  if (group.db) {
    const db = group.db;
    await eventually(async () => {
      const [row] = await db.select({ chat: complaints.groupChatId, message: complaints.groupMessageId }).from(complaints).where(eq(complaints.reference, reference));
      expect(row).toEqual({ chat: group.id, message: message.message_id });
    }, QUEUED_MS);
  }
  if (citizen) await eventually(() => expect(citizen.messages().some((m) => m.text.startsWith("📬") && m.text.includes(reference))).toBe(true), QUEUED_MS);
  return message;
}

/** The councils most complaint tests need: Ta Phou commune and Svay Chek district, each linked to its group by staff. */
export interface LinkedCouncils {
  dara: Person;
  taPhou: TestGroup;
  sophal: Person;
  svayChek: TestGroup;
  vibol: Person;
}

export async function linkTaPhouAndSvayChek(h: Harness, env: TestEnvironment): Promise<LinkedCouncils> {
  const dara = await staff(h, env);
  const taPhou = h.group("Ta Phou council");
  const svayChek = h.group("Svay Chek district council");
  const sophal = await linkCouncil(dara, taPhou, communes.taPhou);
  const vibol = await linkCouncil(dara, svayChek, districts.svayChek, svayChek.member({ first_name: "Vibol" }, "administrator"));
  return { dara, taPhou, sophal, svayChek, vibol };
}
