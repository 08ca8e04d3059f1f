/**
 * /newforum through the conversation, publishing to two communes: exactly
 * their citizens hear of it (not those elsewhere, not those who turned
 * announcements off, not those who blocked the bot); RSVPs; /forums; /forum.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveries, forumRsvps, forums } from "../../../src/db/schema/index.js";
import { seedSmallGazetteer, communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, eventually, type Harness, type Person } from "../../support/harness.js";
import { registered } from "../../support/people.js";

const env = useTestEnvironment();
let h: Harness;
let staff: Person;
let inTaPhou: Person, inTreasEn: Person, elsewhere: Person, quiet: Person, blocked: Person, noCommune: Person;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h = await createHarness(env);
  h.startWorkers();
  staff = await registered(env, h, { role: "staff", language: "en" });
  inTaPhou = await registered(env, h, { communeCode: communes.taPhou, language: "km" });
  inTreasEn = await registered(env, h, { communeCode: communes.treas, language: "en" });
  elsewhere = await registered(env, h, { communeCode: communes.ponleyTakeo });
  quiet = await registered(env, h, { communeCode: communes.taPhou, announcements: false });
  blocked = await registered(env, h, { communeCode: communes.treas, blockedBot: true });
  noCommune = await registered(env, h, {});
});
afterAll(() => h.close());

/** "5/12/2026 8:00"-style text for a day some way ahead, in Phnom Penh. */
function daysAhead(days: number, hour = 8): { typed: string; date: Date } {
  const d = new Date(Date.now() + days * 86_400_000 + 7 * 3_600_000);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  return { typed: `${day}/${m}/${y} ${hour}:00`, date: new Date(Date.UTC(y, m - 1, day, hour - 7)) };
}

let mark = 0;
/** sendMessage calls to this person since `mark` was set. */
const sendsTo = (p: Person) => h.fake.calls.slice(mark).filter((c) => c.method === "sendMessage" && Number(c.params.chat_id) === p.id);

describe("a citizen cannot use staff commands", () => {
  it("refuses /newforum, /forum, /editforum and /broadcast politely", async () => {
    for (const command of ["/newforum", "/forum 1", "/editforum 1"]) {
      await inTaPhou.send(command);
      expect(inTaPhou.last().text).toBe("សូមអភ័យទោស ពាក្យបញ្ជានេះសម្រាប់តែបុគ្គលិកអង្គការប៉ុណ្ណោះ។");
    }
    await inTreasEn.send("/broadcast");
    expect(inTreasEn.last().text).toBe("Sorry, this command is for NGO staff only.");
  });
});

describe("/newforum", () => {
  let forumId: number;
  const when = daysAhead(10);

  it("walks staff through type, title, time, venue, areas, agenda and reminders to a preview in both languages", async () => {
    await staff.send("/newforum");
    expect(staff.buttons()).toContain("Commune/sangkat public forum");
    await staff.press("Commune/sangkat public forum");
    expect(staff.last().text).toContain("Its title?");
    await staff.send("វេទិកាសាធារណៈឃុំតាផូ និងទ្រាស\nTa Phou and Treas public forum");

    await staff.send("yesterday at noon");
    expect(staff.last().text).toContain("could not read that date");
    await staff.send("1/1/2020 8:00");
    expect(staff.last().text).toContain("already passed");
    await staff.send(when.typed);

    expect(staff.last().text).toContain("Where will it take place?");
    await staff.send("Ta Phou commune hall, next to the pagoda");
    await staff.sendLocation(13.7, 102.9);

    expect(staff.last().text).toContain("Which areas is it for?");
    await staff.send("Ta Phou, 010807");
    expect(staff.last().text).toContain("Ta Phou (Khum) · 010806");
    expect(staff.last().text).toContain("Treas (Khum) · 010807");
    await staff.press("✅ Done");

    expect(staff.last().text).toContain("agenda");
    await staff.send("1. Results of the citizen ratings\n2. Questions to the council");
    expect(staff.last().text).toContain("3 days, 1 day, 2 hours");
    await staff.press("👍 Keep");

    const [km, en, confirm] = staff.messages().slice(-3);
    expect(km!.text).toContain("as citizens will see it in Khmer");
    expect(km!.text).toContain("វេទិកាសាធារណៈឃុំ/សង្កាត់");
    expect(km!.text).toContain("«វេទិកាសាធារណៈឃុំតាផូ និងទ្រាស»");
    expect(km!.text).toMatch(/ម៉ោង ៨:០០ ព្រឹក/);
    expect(en!.text).toContain("«Ta Phou and Treas public forum»");
    expect(en!.text).toContain("08:00");
    expect(en!.text).toContain("https://maps.google.com/?q=13.700000,102.900000");
    // Ta Phou and Treas citizens, minus the one with announcements off and the one who blocked the bot.
    expect(confirm!.text).toContain("announced to 2 people");
    expect(staff.buttons(confirm)).toEqual(["📢 Publish", "✖️ Cancel"]);
  });

  it("publishes: exactly the citizens of the two communes receive it, in their language, with RSVP buttons", async () => {
    mark = h.fake.calls.length;
    await staff.press("📢 Publish");
    const [forum] = await env.db.select().from(forums);
    forumId = forum!.id;
    expect(forum).toMatchObject({ status: "published", type: "commune_forum", startsAt: when.date, titleEn: "Ta Phou and Treas public forum" });
    expect(staff.messages().some((m) => m.text.includes(`Forum #${forumId} is published`))).toBe(true);

    await eventually(() => {
      expect(sendsTo(inTaPhou)).toHaveLength(1);
      expect(sendsTo(inTreasEn)).toHaveLength(1);
    });
    const km = inTaPhou.last();
    expect(km.text).toContain("សូមអញ្ជើញចូលរួមវេទិកាសាធារណៈ");
    expect(km.text).toContain("ឃុំតាផូ");
    expect(km.buttons.flat().map((b) => b.text)).toEqual(["ទៅចូលរួម", "ប្រហែលជា", "មិនអាចទៅបាន"]);
    expect(inTreasEn.last().text).toContain("You are invited to a public forum");
    expect(inTreasEn.buttons()).toEqual(["Going", "Maybe", "Can't go"]);
    for (const p of [elsewhere, quiet, blocked, noCommune]) expect(sendsTo(p)).toHaveLength(0);
    // The row is settled right after Telegram answers.
    await eventually(async () => {
      const rows = await env.db.select().from(deliveries);
      expect(rows.map((r) => r.chatId).sort()).toEqual([inTaPhou.id, inTreasEn.id].sort());
      expect(rows.every((r) => r.status === "sent" && r.messageId !== null && r.attempts === 1)).toBe(true);
    });
  });

  it("reports progress to staff and ends with a final report", async () => {
    const report = await eventually(() => {
      const found = staff.messages().find((m) => m.text.startsWith("✅ Broadcast #"));
      expect(found).toBeDefined();
      return found!;
    }, 15_000);
    expect(report.text).toContain("Delivered: 2 of 2");
    expect(report.text).toContain("Blocked the bot: 0");
    expect(staff.messages().some((m) => /Broadcast #\d+: finished\.\nSent: 2 of 2/.test(m.text))).toBe(true);
  });

  it("records RSVPs and lets people change them", async () => {
    await inTreasEn.press("Going");
    expect(inTreasEn.toasts().at(-1)).toBe("Thank you! We will remind you before it starts.");
    expect(inTreasEn.buttons()).toEqual(["✅ Going", "Maybe", "Can't go"]);
    await inTreasEn.press("Can't go");
    expect(inTreasEn.buttons()).toEqual(["Going", "Maybe", "✅ Can't go"]);
    await inTaPhou.press("ប្រហែលជា");
    const rows = await env.db.select().from(forumRsvps).where(eq(forumRsvps.forumId, forumId));
    expect(rows.map((r) => r.answer).sort()).toEqual(["maybe", "no"]);
  });

  it("/forums shows the upcoming forum with the person's answer; elsewhere nothing; without a commune a hint", async () => {
    await inTreasEn.send("/forums");
    expect(inTreasEn.last().text).toContain("Ta Phou and Treas public forum");
    expect(inTreasEn.last().text).toContain("Your answer: Can't go");
    expect(inTreasEn.buttons()).toEqual(["Going", "Maybe", "✅ Can't go"]);
    await elsewhere.send("/forums");
    expect(elsewhere.last().text).toContain("មិនទាន់មានវេទិកាខាងមុខ");
    await noCommune.send("/forums");
    expect(noCommune.last().text).toContain("មិនទាន់ដឹងពីឃុំ");
    await inTaPhou.pressData("menu:forums");
    expect(inTaPhou.last().text).toContain("ចម្លើយរបស់អ្នក៖ ប្រហែលជា");
  });

  it("/forum shows staff the answers and the delivery summary", async () => {
    await staff.send(`/forum ${forumId}`);
    const text = staff.last().text;
    expect(text).toContain(`Forum #${forumId} (published)`);
    expect(text).toContain("Going: 0 · Maybe: 1 · Can't go: 1");
    expect(text).toContain("Announcement: delivered to 2 of 2");
    expect(text).toContain("Attendance: not recorded yet");
    expect(text).toContain("Checked in with Telegram: 0");
    expect(text).toContain("Commitments: none recorded yet");
    expect(staff.buttons()).toEqual([
      "🗓 Change time", "📍 Change venue", "👥 Record attendance", "❌ Cancel forum", "📷 Check-in QR code", "➕ Count people (+1)", "📝 Record a commitment",
    ]);
  });

  it("records attendance with women and by commune", async () => {
    await staff.press("👥 Record attendance");
    await staff.send("seventy");
    expect(staff.last().text).toContain("whole number");
    await staff.send("70");
    await staff.send("80");
    expect(staff.last().text).toContain("cannot be more than the 70");
    await staff.send("17");
    await staff.send("010806 40 12\nTreas 30 5");
    expect(staff.last().text).toBe(`✅ Attendance of forum #${forumId} saved: 70 participants (17 women).`);
    await staff.send(`/forum ${forumId}`);
    expect(staff.last().text).toContain("Attendance: 70 participants (17 women)");
    expect(staff.last().text).toContain("Ta Phou: 40 (12 women)");
    expect(staff.last().text).toContain("Treas: 30 (5 women)");
  });

  it("answers forged and stale buttons politely", async () => {
    await inTreasEn.pressData("f:rsvp:999999:y");
    expect(inTreasEn.toasts().at(-1)).toBe("This forum is no longer available.");
    await inTreasEn.pressData("f:rsvp:abc:y");
    expect(inTreasEn.toasts().at(-1)).toBe("This button has expired.");
    await inTreasEn.pressData("f:cancel:1:y");
    expect(inTreasEn.toasts().at(-1)).toBe("Sorry, this command is for NGO staff only.");
    const [forum] = await env.db.select().from(forums);
    expect(forum!.status).toBe("published");
  });
});
