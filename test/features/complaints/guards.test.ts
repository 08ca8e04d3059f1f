import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { complaintEvents, complaints, users } from "../../../src/db/schema/index.js";
import { detachComplaintsFrom, fileComplaint } from "../../../src/features/complaints/complaints.js";
import { transitionComplaint } from "../../../src/features/complaints/lifecycle.js";
import { useTestEnvironment } from "../../support/env.js";
import { communes, districts } from "../../support/areas.js";
import { useHarness, eventually, type Person, type TestGroup } from "../../support/harness.js";
import { citizen, councilMessageIn, delivered, promptIn, fileThroughBot, linkCouncil, setUser, linkTaPhouAndSvayChek } from "./support.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });
let dara: Person;
let taPhou: TestGroup;
let sophal: Person;
let svayChek: TestGroup;
let vibol: Person;

beforeAll(async () => {
  ({ dara, taPhou, sophal, svayChek, vibol } = await linkTaPhouAndSvayChek(h, env));
});

async function userRow(p: Person) {
  const [row] = await env.db.select().from(users).where(eq(users.telegramId, p.id));
  return row!;
}

describe("anonymity", () => {
  it("gives the council nothing that identifies an anonymous citizen, even through questions and answers", async () => {
    const srey = await citizen(h, env, "km", communes.taPhou, { first_name: "Sreyneang", last_name: "Chhorvivorn", username: "sreyneang_kh" });
    const complaint = await fileThroughBot(env, srey, "km", { category: "staff_absent", service: "commune_office", text: "ការិយាល័យឃុំបិទទ្វារនៅម៉ោងធ្វើការ អស់បីថ្ងៃហើយ។", photos: 1, voice: true, anonymous: true });
    expect(complaint.reporterName).toBeNull();
    const message = await delivered(taPhou, complaint.reference, srey);
    expect(message.text).toContain("ឈ្មោះ៖ អនាមិក");
    // Photo and voice arrive as replies in the thread before anyone acts.
    await eventually(() => expect(taPhou.messages().filter((m) => m.raw.reply_to_message?.message_id === message.message_id).map((m) => m.kind).sort()).toEqual(["photo", "voice"]));
    await sophal.press("❓ សួរពលរដ្ឋ", message);
    await sophal.reply(promptIn(taPhou, complaint.reference), "តើនៅថ្ងៃណាខ្លះ?");
    await eventually(() => expect(srey.last().buttons.flat().map((b) => b.text)).toContain("✍️ ឆ្លើយ"));
    await srey.press("✍️ ឆ្លើយ");
    await srey.send("ថ្ងៃច័ន្ទ អង្គារ និងពុធ។");
    await eventually(() => expect(taPhou.last().text).toContain("ចម្លើយពីពលរដ្ឋ"));

    const everything = h.fake.everythingSentTo(taPhou.id);
    for (const secret of [String(srey.id), "Sreyneang", "Chhorvivorn", "sreyneang_kh", `tg://user?id=${srey.id}`]) expect(everything).not.toContain(secret);
    expect(h.fake.callsTo("forwardMessage")).toHaveLength(0);
    expect(h.fake.callsTo("copyMessage")).toHaveLength(0);
  });
});

describe("buttons that must not work", () => {
  it("refuses forged, replayed, foreign and non-member presses politely and changes nothing", async () => {
    const sokha = await citizen(h, env, "km", communes.taPhou, { first_name: "Sokha" });
    const complaint = await fileThroughBot(env, sokha, "km", { category: "infrastructure", service: "local_roads", text: "ផ្លូវទៅសាលារៀនខូចខាតខ្លាំង ក្មេងៗដើរមិនរួច។" });
    const message = await delivered(taPhou, complaint.reference, sokha);
    const eventsBefore = await env.db.select().from(complaintEvents).where(eq(complaintEvents.complaintId, complaint.id));

    await sophal.pressData("c:ack:999999", message);
    expect(sophal.toasts().at(-1)).toBe("បណ្ដឹងនេះមិនស្ថិតក្រោមក្រុមប្រឹក្សានៃក្រុមនេះទេ។");
    await sophal.pressData("c:ack:1;DROP", message);
    expect(sophal.toasts().at(-1)).toBe("ប៊ូតុងនេះហួសសុពលភាពហើយ។");
    await sophal.pressData("c:zap:" + complaint.id, message);
    expect(sophal.toasts().at(-1)).toBe("ប៊ូតុងនេះហួសសុពលភាពហើយ។");

    // Someone who left the group.
    const former = taPhou.member({ first_name: "Former" });
    h.fake.setMember(taPhou.id, former.id, "left");
    await former.pressData(`c:ack:${complaint.id}`, message);
    expect(former.toasts().at(-1)).toBe("មានតែសមាជិកក្រុមនេះទេ ដែលអាចធ្វើបាន។");

    // The district's group pressing the commune's complaint (data copied from elsewhere).
    await vibol.pressData(`c:ack:${complaint.id}`, svayChek.last());
    expect(vibol.toasts().at(-1)).toBe("បណ្ដឹងនេះមិនស្ថិតក្រោមក្រុមប្រឹក្សានៃក្រុមនេះទេ។");

    // A citizen pressing council data in a private chat, or another person's complaint.
    await sokha.pressData(`c:ack:${complaint.id}`);
    expect(sokha.toasts().at(-1)).toBe("ប៊ូតុងនេះហួសសុពលភាពហើយ។");
    const stranger = await citizen(h, env, "en", communes.treas);
    await stranger.send("/mycomplaints");
    await stranger.pressData(`mc:ok:${complaint.id}`);
    expect(stranger.toasts().at(-1)).toBe("This complaint was not found.");
    // Its own author, but not resolved yet.
    await sokha.pressData(`mc:ok:${complaint.id}`);
    expect(sokha.toasts().at(-1)).toBe("មិនអាចធ្វើបានទៀតទេ៖ បណ្ដឹងនេះឥឡូវ «🆕 ថ្មី»។");

    expect(await env.db.select().from(complaintEvents).where(eq(complaintEvents.complaintId, complaint.id))).toHaveLength(eventsBefore.length);

    // A replayed press: the second acknowledgement is refused.
    await sophal.pressData(`c:ack:${complaint.id}`, message);
    await sophal.pressData(`c:ack:${complaint.id}`, message);
    expect(sophal.toasts().at(-1)).toBe("មិនអាចធ្វើបានឥឡូវនេះទេ៖ បណ្ដឹងនេះ «👀 បានទទួលស្គាល់»។");
    const acks = await env.db.select().from(complaintEvents).where(and(eq(complaintEvents.complaintId, complaint.id), eq(complaintEvents.toStatus, "acknowledged")));
    expect(acks).toHaveLength(1);
    // Every press was answered.
    const answered = new Set(h.fake.callsTo("answerCallbackQuery").map((c) => c.params.callback_query_id));
    expect(answered.size).toBe(h.fake.callsTo("answerCallbackQuery").length);
  });

  it("lets only one of two simultaneous presses win", async () => {
    const sokha = await citizen(h, env, "km", communes.taPhou);
    const complaint = await fileThroughBot(env, sokha, "km", { category: "safety", text: "មានអំពើលួចគោញឹកញាប់នៅភូមិយើងពេលយប់។" });
    await delivered(taPhou, complaint.reference);
    const [row] = await env.db.select().from(complaints).where(eq(complaints.id, complaint.id));
    const actor = (telegramId: number, name: string) => ({ kind: "council" as const, councilAreaCode: communes.taPhou, groupChatId: taPhou.id, telegramId, name });
    const results = await Promise.all([
      transitionComplaint(env.db, { complaintId: row!.id, action: "acknowledge", actor: actor(1, "A") }),
      transitionComplaint(env.db, { complaintId: row!.id, action: "acknowledge", actor: actor(2, "B") }),
      transitionComplaint(env.db, { complaintId: row!.id, action: "start", actor: actor(3, "C") }),
    ]);
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(1);
    const acks = results.filter((r, i) => i < 2 && r.ok);
    expect(acks).toHaveLength(1);
    const events = await env.db.select().from(complaintEvents).where(eq(complaintEvents.complaintId, row!.id));
    // Every event follows from the one before it: no two moves from the same state.
    const froms = events.filter((e) => e.fromStatus).map((e) => e.fromStatus);
    expect(new Set(froms).size).toBe(froms.length);
  });
});

describe("not our responsibility", () => {
  it("forwards to the district with a reason; the district gets it with buttons; the citizen is told", async () => {
    const kosal = await citizen(h, env, "en", communes.taPhou, { first_name: "Kosal" });
    const complaint = await fileThroughBot(env, kosal, "en", { category: "rude_unfair", service: "commune_office", text: "The clerk refused to register my daughter's birth because I am poor." });
    const message = await delivered(taPhou, complaint.reference);
    await sophal.press("🚫 មិនមែនសមត្ថកិច្ចយើង", message);
    expect(councilMessageIn(taPhou, complaint.reference).buttons.flat().map((b) => b.text)).toEqual(["↪️ បញ្ជូនទៅស្រុក", "🚫 បិទ៖ មិនមែនសមត្ថកិច្ចយើង", "⬅️ ត្រឡប់ក្រោយ"]);
    await sophal.press("↪️ បញ្ជូនទៅស្រុក");
    const prompt = taPhou.last();
    expect(prompt.text).toContain("មូលហេតុនៃការបញ្ជូន");
    await sophal.reply(prompt, "ស្មៀននេះជាបុគ្គលិកស្រុក");
    const moved = await delivered(svayChek, complaint.reference);
    expect(moved.text).toContain("↪️ បញ្ជូនមកពីក្រុមប្រឹក្សាឃុំតាផូ៖ ស្មៀននេះជាបុគ្គលិកស្រុក");
    expect(moved.buttons.flat().map((b) => b.text)).toContain("👀 ទទួលស្គាល់");
    expect(councilMessageIn(taPhou, complaint.reference).buttons).toEqual([]);
    expect(councilMessageIn(taPhou, complaint.reference).text).toContain("↪️ បានបញ្ជូនបន្ត — ដោយ Sophal");
    await eventually(() => expect(kosal.messages().some((m) => m.text.includes("sent your complaint " + complaint.reference + " on to Svay Chek district council"))).toBe(true));
    // The commune's old buttons no longer act on it.
    await sophal.pressData(`c:ack:${complaint.id}`, councilMessageIn(taPhou, complaint.reference));
    expect(sophal.toasts().at(-1)).toBe("បណ្ដឹងនេះមិនស្ថិតក្រោមក្រុមប្រឹក្សានៃក្រុមនេះទេ។");
    // The district cannot forward further; it can close with a reason.
    await vibol.press("🚫 មិនមែនសមត្ថកិច្ចយើង", moved);
    expect(svayChek.messages().find((m) => m.message_id === moved.message_id)!.buttons.flat().map((b) => b.text)).not.toContain("↪️ បញ្ជូនទៅស្រុក");
    await vibol.press("🚫 បិទ៖ មិនមែនសមត្ថកិច្ចយើង");
    await vibol.reply(promptIn(svayChek, complaint.reference), "សូមទៅការិយាល័យប្រជាពលរដ្ឋ");
    await eventually(() => expect(kosal.last().text).toContain("Reason: សូមទៅការិយាល័យប្រជាពលរដ្ឋ"));
    const [row] = await env.db.select().from(complaints).where(eq(complaints.id, complaint.id));
    expect(row).toMatchObject({ status: "rejected", councilAreaCode: districts.svayChek });
  });
});

describe("a complaint with no council linked yet", () => {
  it("waits, then goes to the district once its group is linked, and stays there when the commune links later", async () => {
    const chan = await citizen(h, env, "en", communes.ponleyBmc, { first_name: "Chan" });
    const complaint = await fileThroughBot(env, chan, "en", { category: "supplies_missing", service: "health_centre", text: "The health centre has had no paracetamol for a month." });
    await new Promise((r) => setTimeout(r, 300));
    const [waiting] = await env.db.select().from(complaints).where(eq(complaints.id, complaint.id));
    expect(waiting).toMatchObject({ councilAreaCode: null, groupChatId: null, status: "new" });

    const district = h.group("Phnum Srok district");
    await linkCouncil(dara, district, communes.ponleyBmc.slice(0, 4));
    expect(district.last().text).toContain("មានបណ្ដឹង ១ កំពុងរង់ចាំ");
    await delivered(district, complaint.reference);
    await eventually(() => expect(chan.last().text).toContain("has reached Phnum Srok district council"));

    const commune = h.group("Ponley commune");
    await linkCouncil(dara, commune, communes.ponleyBmc);
    await new Promise((r) => setTimeout(r, 300));
    expect(commune.messages().some((m) => m.text.includes(complaint.reference))).toBe(false);
  });
});

describe("the conversation's guard rails", () => {
  it("asks for a commune first, with the picker, then goes on", async () => {
    const p = await citizen(h, env, "km", communes.taPhou);
    await setUser(env, p, { communeCode: null });
    await p.send("/complain");
    expect(p.last().text).toContain("ជាដំបូង សូមប្រាប់ខ្ញុំថាអ្នករស់នៅទីណា");
    await p.send("ទ្រាស");
    expect(p.last().text).toContain("តើបញ្ហានេះទាក់ទងនឹងអ្វី?");
  });

  it("gives a hint and repeats the step for anything unexpected", async () => {
    const p = await citizen(h, env, "en", communes.taPhou);
    await p.send("/complain");
    await p.sendSticker();
    expect(p.last().text).toBe("Please press one of the buttons above. (To stop: /cancel)");
    await p.press("Other");
    await p.press("None of these / not a service");
    await p.sendPhoto();
    expect(p.last().text).toBe("Please write it as a text message. (To stop: /cancel)");
    await p.send("short");
    expect(p.last().text).toContain("at least 10 characters");
    await p.send("x".repeat(2001));
    expect(p.last().text).toContain("2,001 characters");
    await p.send("/mycomplaints");
    expect(p.last().text).toBe("Please write it as a text message. (To stop: /cancel)");
    await p.send("The street lights on the main road are broken.");
    expect(p.last().text).toContain("up to 3 photos");
    await p.send("here is a photo");
    expect(p.last().text).toContain("Please send a photo or a voice message");
    await p.sendContent({ document: { file_id: h.fake.newFileId(), file_unique_id: "d", mime_type: "image/jpeg", file_name: "x.jpg" } });
    expect(p.last().text).toBe("Please send the picture as a photo, not as a file.");
    for (let i = 0; i < 3; i++) await p.sendPhoto();
    await p.sendPhoto();
    expect(p.last().text).toContain("You already sent 3 photos");
    await p.press("✅ Done");
    await p.sendSticker();
    expect(p.last().text).toBe("Please send a location, or press Skip. (To stop: /cancel)");
    await p.send("⏭ Skip");
    await p.press("🙈 Anonymous");
    await p.press("🔒 No, only the council sees the text");
    expect(p.last().text).toContain("Attached: photos: 3");
    await p.send("/cancel");
    expect(p.last().text).toContain("Cancelled");
    await p.pressData("cf:send:ok", p.messages().at(-2));
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    expect(await env.db.select().from(complaints).where(eq(complaints.userId, (await userRow(p)).id))).toHaveLength(0);
  });

  it("allows 5 complaints a day per person", async () => {
    const p = await citizen(h, env, "km", communes.taPhou);
    const user = await userRow(p);
    for (let i = 0; i < 5; i++) {
      const filed = await fileComplaint(env.db, { userId: user.id, communeCode: communes.taPhou, category: "other", description: `Complaint number ${i}`, photoFileIds: [], anonymous: true }, { timeZone: "Asia/Phnom_Penh" });
      expect(filed.ok).toBe(true);
    }
    await p.send("/complain");
    expect(p.last().text).toContain("ថ្ងៃនេះ អ្នកបានផ្ញើបណ្ដឹង ៥ រួចហើយ");
    const sixth = await fileComplaint(env.db, { userId: user.id, communeCode: communes.taPhou, category: "other", description: "One more", photoFileIds: [], anonymous: true }, { timeZone: "Asia/Phnom_Penh" });
    expect(sixth).toEqual({ ok: false, reason: "daily_limit" });
  });
});

describe("/forget", () => {
  it("detaches the person and keeps the complaint for the council", async () => {
    const p = await citizen(h, env, "en", communes.taPhou, { first_name: "Leakhena" });
    const complaint = await fileThroughBot(env, p, "en", { category: "other", text: "The market floods every time it rains." });
    const user = await userRow(p);
    expect(await detachComplaintsFrom(env.db, user.id)).toBe(1);
    const [row] = await env.db.select().from(complaints).where(eq(complaints.id, complaint.id));
    expect(row).toMatchObject({ userId: null, reporterName: null, reference: complaint.reference });
    const events = await env.db.select().from(complaintEvents).where(eq(complaintEvents.complaintId, complaint.id));
    expect(events.every((e) => e.actorUserId === null)).toBe(true);
  });
});
