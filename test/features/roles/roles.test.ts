import { eq } from "drizzle-orm";
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users, volunteerCommunes, volunteerInvites } from "../../../src/db/schema/index.js";
import { communes, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { returningCitizen } from "../../support/onboarding.js";
import { createHarness, type Harness, type Person } from "../../support/harness.js";

const ADMIN_ID = 990_001;
const env = useTestEnvironment();
let h: Harness;
let admin: Person;
beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h = await createHarness(env, { ADMIN_TELEGRAM_IDS: String(ADMIN_ID) });
  admin = await returningCitizen(h, env.db, { id: ADMIN_ID, first_name: "Admin", lang: "en", role: "admin" });
});
afterAll(() => h.close());

let counter = 0;
/** Someone who has started the bot and chosen a language. */
async function somebody(lang: "km" | "en", fields: { first_name?: string } = {}): Promise<Person> {
  return returningCitizen(h, env.db, { lang, username: `person_${++counter}`, ...fields });
}

async function rowOf(p: Person) {
  const [row] = await env.db.select().from(users).where(eq(users.telegramId, p.id));
  return row!;
}

async function staffMember(lang: "km" | "en"): Promise<Person> {
  const p = await somebody(lang);
  await admin.send(`/grant staff @${p.user.username}`);
  return p;
}

describe("who may grant and revoke", () => {
  it("refuses staff commands to a citizen, in their language", async () => {
    const km = await somebody("km");
    const target = await somebody("en");
    for (const command of [`/grant volunteer @${target.user.username} ${communes.taPhou}`, `/grant staff @${target.user.username}`, `/revoke @${target.user.username}`, `/invite ${communes.taPhou}`]) {
      await km.send(command);
      expect(km.last().text).toBe("សូមអភ័យទោស ពាក្យបញ្ជានេះសម្រាប់តែបុគ្គលិក មតិ ប៉ុណ្ណោះ។");
    }
    const en = await somebody("en");
    await en.send(`/grant staff @${target.user.username}`);
    expect(en.last().text).toBe("Sorry, this command is only for Mati staff.");
    expect((await rowOf(target)).role).toBe("citizen");
  });

  it("an admin grants staff by @username (any case); the new staff member is told", async () => {
    const p = await somebody("km", { first_name: "Sokha" });
    await admin.send(`/grant staff @${p.user.username!.toUpperCase()}`);
    expect(admin.last().text).toBe(`✅ Sokha (@${p.user.username}) is now Mati staff.`);
    expect((await rowOf(p)).role).toBe("staff");
    expect(p.last().text).toContain("ឥឡូវអ្នកជាបុគ្គលិក មតិ ហើយ");
  });

  it("staff cannot grant or revoke staff; staff grant volunteers by Telegram id, for known communes only", async () => {
    const staff = await staffMember("en");
    const other = await somebody("km");
    await staff.send(`/grant staff @${other.user.username}`);
    expect(staff.last().text).toBe("Only an admin can give or take away the staff role.");
    const colleague = await staffMember("en");
    await staff.send(`/revoke @${colleague.user.username}`);
    expect(staff.last().text).toBe("Only an admin can give or take away the staff role.");
    expect((await rowOf(colleague)).role).toBe("staff");

    await staff.send(`/grant volunteer ${other.id}`);
    expect(staff.last().text).toContain("Please add the codes of the communes");
    await staff.send(`/grant volunteer ${other.id} 999999 ${communes.taPhou}`);
    expect(staff.last().text).toBe("These are not commune codes I know: 999999");
    expect((await rowOf(other)).role).toBe("citizen");

    // Khmer digits work as well as ASCII ones.
    await staff.send(`/grant volunteer ${other.id} ០១០៨០៦ ${communes.treas}`);
    expect(staff.last().text).toBe(`✅ Test (@${other.user.username}) is now a volunteer for: Khum Ta Phou, Khum Treas`);
    expect((await rowOf(other)).role).toBe("volunteer");
    const linked = await env.db.select().from(volunteerCommunes).where(eq(volunteerCommunes.userId, (await rowOf(other)).id));
    expect(linked.map((l) => l.communeCode).sort()).toEqual([communes.taPhou, communes.treas]);
    expect(other.last().text).toContain("សូមស្វាគមន៍ អ្នកស្ម័គ្រចិត្ត");
    expect(other.last().text).toContain("ឃុំតាផូ, ឃុំទ្រាស");
    expect(other.buttons()).toEqual(["📝 កត់ត្រាការសម្ភាសន៍"]);
  });

  it("grants to the sender of a forwarded message the command replies to; a hidden sender is explained", async () => {
    const staff = await staffMember("en");
    const volunteer = await somebody("en");
    const forwarded = {
      message_id: 4242,
      date: 1,
      chat: staff.chat,
      text: "hello",
      forward_origin: { type: "user", date: 1, sender_user: volunteer.user },
    } as unknown as Message;
    await staff.sendContent({ text: `/grant volunteer ${communes.ponleyTakeo}`, reply_to_message: forwarded } as Partial<Message>);
    expect(staff.last().text).toContain("is now a volunteer for: Khum Ponley");
    expect((await rowOf(volunteer)).role).toBe("volunteer");

    const hidden = { ...forwarded, forward_origin: { type: "hidden_user", date: 1, sender_user_name: "Someone" } } as unknown as Message;
    await staff.sendContent({ text: `/grant volunteer ${communes.taPhou}`, reply_to_message: hidden } as Partial<Message>);
    expect(staff.last().text).toContain("privacy settings hide who sent this message");
  });

  it("revoke: staff revoke volunteers, admins revoke staff, nobody revokes an admin; unknown people are explained", async () => {
    const staff = await staffMember("km");
    const volunteer = await somebody("en");
    await staff.send(`/grant volunteer @${volunteer.user.username} ${communes.taPhou}`);
    await staff.send(`/revoke @${volunteer.user.username}`);
    expect(staff.last().text).toContain("លែងមានតួនាទីបុគ្គលិក ឬអ្នកស្ម័គ្រចិត្តទៀតហើយ");
    expect((await rowOf(volunteer)).role).toBe("citizen");
    expect(await env.db.select().from(volunteerCommunes).where(eq(volunteerCommunes.userId, (await rowOf(volunteer)).id))).toHaveLength(0);
    expect(volunteer.last().text).toContain("role in Mati has ended");
    await staff.send(`/revoke @${volunteer.user.username}`);
    expect(staff.last().text).toContain("គ្មានតួនាទីបុគ្គលិក ឬអ្នកស្ម័គ្រចិត្តដែលត្រូវដកទេ");

    await admin.send(`/revoke ${staff.id}`);
    expect((await rowOf(staff)).role).toBe("citizen");
    await admin.send(`/revoke ${ADMIN_ID}`);
    expect(admin.last().text).toBe("Admins are set in the server configuration and cannot be changed here.");
    await admin.send("/revoke @nobody_here");
    expect(admin.last().text).toContain("I don't know this person yet");
    await admin.send("/grant boss @nobody_here");
    expect(admin.last().text).toContain("How to use it");
  });
});

describe("volunteer invite links", () => {
  async function invite(staff: Person, codes: string): Promise<string> {
    await staff.send(`/invite ${codes}`);
    const link = /https:\/\/t\.me\/mati_test_bot\?start=(v_[A-Za-z0-9_-]+)/.exec(staff.last().text);
    expect(link).not.toBeNull();
    return link![1]!;
  }

  it("makes a single-use link, valid 7 days, stored hashed; opening it makes a volunteer", async () => {
    const staff = await staffMember("km");
    const payload = await invite(staff, `${communes.taPhou} ${communes.treas}`);
    expect(staff.last().text).toContain("ប្រើបានតែម្ដង");
    expect(staff.last().text).toContain("ឃុំតាផូ, ឃុំទ្រាស");
    const [stored] = await env.db.select().from(volunteerInvites).where(eq(volunteerInvites.createdById, (await rowOf(staff)).id));
    expect(stored!.tokenHash).not.toContain(payload.slice(2));
    expect(stored!.expiresAt.getTime() - stored!.createdAt.getTime()).toBe(7 * 86_400_000);

    const newcomer = h.person({ language_code: "en" });
    await newcomer.send(`/start ${payload}`);
    expect(newcomer.last().text).toContain("Welcome, volunteer!");
    expect(newcomer.last().text).toContain("Khum Ta Phou, Khum Treas");
    expect(newcomer.buttons()).toEqual(["📝 Record an interview"]);
    expect((await rowOf(newcomer)).role).toBe("volunteer");

    const second = h.person({ language_code: "km" });
    await second.send(`/start ${payload}`);
    expect(second.last().text).toBe("តំណអញ្ជើញនេះត្រូវបានប្រើរួចហើយ។ សូមសុំតំណថ្មី។");
    expect((await rowOf(second)).role).toBe("citizen");
  });

  it("an expired or unknown link makes nobody a volunteer; /start without it still greets", async () => {
    const staff = await staffMember("en");
    const payload = await invite(staff, communes.taPhou);
    await env.db.update(volunteerInvites).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(volunteerInvites.createdById, (await rowOf(staff)).id));
    const late = h.person({ language_code: "en" });
    await late.send(`/start ${payload}`);
    expect(late.last().text).toBe("This invite link has expired. Please ask for a new one.");
    await late.send("/start v_notARealToken");
    expect(late.last().text).toBe("This invite link is not valid. Please ask the person who sent it for a new one.");
    expect((await rowOf(late)).role).toBe("citizen");
    await late.send("/start");
    expect(late.last().text).toContain("Welcome to Mati");
    await staff.send("/invite 123");
    expect(staff.last().text).toBe("These are not commune codes I know: 123");
  });

  it("a staff member who opens an invite stays staff and gains the communes", async () => {
    const staff = await staffMember("en");
    const other = await staffMember("en");
    const payload = await invite(staff, communes.preaekChrey);
    await other.send(`/start ${payload}`);
    expect((await rowOf(other)).role).toBe("staff");
    const linked = await env.db.select().from(volunteerCommunes).where(eq(volunteerCommunes.userId, (await rowOf(other)).id));
    expect(linked.map((l) => l.communeCode)).toEqual([communes.preaekChrey]);
  });
});

describe("command menus follow the role", () => {
  const menuOf = (chatId: number, lang?: "km") =>
    h.fake
      .callsTo("setMyCommands")
      .filter((c) => (c.params.scope as { chat_id?: number } | undefined)?.chat_id === chatId && c.params.language_code === lang)
      .at(-1)?.params.commands as { command: string; description: string }[] | undefined;

  it("shows staff commands in a new staff member's own menu, in both languages, and takes them away on revoke", async () => {
    const p = await staffMember("km");
    expect(menuOf(p.id)?.map((c) => c.command)).toEqual(expect.arrayContaining(["rate", "grant", "revoke", "invite"]));
    expect(menuOf(p.id, "km")?.find((c) => c.command === "grant")?.description).toMatch(/[\u1780-\u17FF]/);

    await admin.send(`/revoke @${p.user.username}`);
    const deleted = h.fake.callsTo("deleteMyCommands").filter((c) => (c.params.scope as { chat_id?: number }).chat_id === p.id);
    expect(deleted.map((c) => c.params.language_code ?? "default")).toEqual(["km", "default"]);
  });

  it("never lists staff or volunteer commands in everyone's menu", async () => {
    const fresh = await createHarness(env, { ADMIN_TELEGRAM_IDS: String(ADMIN_ID) });
    try {
      await fresh.app.registerCommandMenus();
      const everyone = fresh.fake.callsTo("setMyCommands").filter((c) => (c.params.scope as { type: string }).type === "all_private_chats");
      expect(everyone).toHaveLength(2);
      for (const call of everyone) {
        const names = (call.params.commands as { command: string }[]).map((c) => c.command);
        expect(names).toContain("rate");
        expect(names).not.toEqual(expect.arrayContaining(["grant"]));
        expect(names).not.toContain("interview");
      }
      // The admin (and staff granted earlier in this file) get their own menus at start.
      const own = fresh.fake.callsTo("setMyCommands").filter((c) => (c.params.scope as { chat_id?: number }).chat_id === ADMIN_ID);
      expect(own.map((c) => (c.params.commands as { command: string }[]).some((x) => x.command === "grant"))).toEqual([true, true]);
    } finally {
      await fresh.close();
    }
  });
});
