/**
 * Presence at a forum: the check-in link marks a person present once, only
 * on the day; someone new is counted and then onboarded; volunteers and
 * staff count people without Telegram with +1 buttons (and can undo); the
 * staff view shows both with the groups; /forget keeps the count but not
 * the person; the QR code is a PNG of the link.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { forumCheckins, forums, users, volunteerCommunes } from "../../../src/db/schema/index.js";
import { presenceAt } from "../../../src/features/forums/checkin.js";
import { createForum } from "../../../src/features/forums/forums.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { useHarness, type Person } from "../../support/harness.js";
import { registered, userRow } from "../../support/people.js";

const env = useTestEnvironment();
const h = useHarness(env);

/** A published forum for Ta Phou starting `ms` from now (negative: in the past). */
async function forumStartingIn(ms: number, title = "Ta Phou public forum") {
  const forum = await createForum(env.db, {
    type: "commune_forum",
    titleKm: "វេទិកាសាធារណៈឃុំតាផូ",
    titleEn: title,
    startsAt: new Date(Date.now() + ms),
    venue: "Ta Phou commune hall",
    areaCodes: [communes.taPhou],
  });
  await env.db.update(forums).set({ status: "published", publishedAt: new Date() }).where(eq(forums.id, forum.id));
  return forum;
}

/** What opening the forum's check-in link (its QR code) sends. */
const checkinStart = (forum: { id: number; checkinCode: string }) => `/start f_${forum.id}_${forum.checkinCode}`;

const rowsOf = (forumId: number) => env.db.select().from(forumCheckins).where(eq(forumCheckins.forumId, forumId));

let staff: Person;
beforeAll(async () => {
  staff = await registered(env, h, { role: "staff", language: "en" });
});

describe("check-in by the forum's link", () => {
  it("marks the person present once, however often they open it, in their language", async () => {
    const forum = await forumStartingIn(60 * 60_000); // starts in an hour: check-in is open
    const sokha = await registered(env, h, { communeCode: communes.taPhou, language: "km" });
    const mary = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
    await sokha.send(checkinStart(forum));
    expect(sokha.last().text).toBe("✅ សូមស្វាគមន៍មកកាន់ «វេទិកាសាធារណៈឃុំតាផូ»! អ្នកត្រូវបានរាប់ថាមានវត្តមាន។ សូមអរគុណដែលបានមក។");
    await sokha.send(checkinStart(forum));
    expect(sokha.last().text).toBe("អ្នកបានចុះវត្តមាននៅ «វេទិកាសាធារណៈឃុំតាផូ» រួចហើយ។ សូមអរគុណ!");
    await mary.send(checkinStart(forum));
    expect(mary.last().text).toContain("Welcome to «Ta Phou public forum»! You are counted as present.");
    const rows = await rowsOf(forum.id);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.source === "telegram")).toBe(true);
    expect((await presenceAt(env.db, forum.id)).checkedIn.total).toBe(2);
  });

  it("outside the forum's day, says when it opens or that it has closed; cancelled and unknown forums are answered too", async () => {
    const dara = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
    const later = await forumStartingIn(3 * 86_400_000);
    await dara.send(checkinStart(later));
    expect(dara.last().text).toMatch(/^Check-in for «Ta Phou public forum» opens \w+day \d+ \w+ \d{4}, \d\d:\d\d \(2 hours before it starts\)/);
    const past = await forumStartingIn(-2 * 86_400_000);
    await dara.send(checkinStart(past));
    expect(dara.last().text).toMatch(/^«Ta Phou public forum» took place on \w+day \d+ \w+ \d{4}\. Check-in is closed\.$/);
    const cancelled = await forumStartingIn(30 * 60_000);
    await env.db.update(forums).set({ status: "cancelled" }).where(eq(forums.id, cancelled.id));
    await dara.send(checkinStart(cancelled));
    expect(dara.last().text).toContain("was cancelled");
    await dara.send("/start f_999999_0123456789ab");
    expect(dara.last().text).toBe("This check-in link is not valid. Please ask the organisers for the right one.");
    for (const f of [later, past, cancelled]) expect(await rowsOf(f.id)).toHaveLength(0);
    // Two hours before the start it opens; at the end of the forum's day it closes.
    const soon = await forumStartingIn(2 * 3_600_000 - 60_000);
    await dara.send(checkinStart(soon));
    expect(dara.last().text).toContain("You are counted as present");
  });

  it("needs the forum's code: the id alone, or with a wrong code, checks nobody in and says nothing of the forum", async () => {
    const forum = await forumStartingIn(30 * 60_000);
    const guesser = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
    const wrongCode = forum.checkinCode.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    for (const payload of [`f_${forum.id}`, `f_${forum.id}_${wrongCode}`, `f_${forum.id}_${forum.checkinCode.toUpperCase()}x`]) {
      await guesser.send(`/start ${payload}`);
      expect(guesser.last().text).not.toContain("Ta Phou");
    }
    expect(guesser.last().text).toBe("This check-in link is not valid. Please ask the organisers for the right one.");
    expect(await rowsOf(forum.id)).toHaveLength(0);
    // Each forum has a code of its own.
    expect((await forumStartingIn(30 * 60_000)).checkinCode).not.toBe(forum.checkinCode);
    expect(forum.checkinCode).toMatch(/^[0-9a-f]{12}$/);
  });

  it("counts someone new, then offers the normal first steps with the forum's commune", async () => {
    const forum = await forumStartingIn(30 * 60_000);
    const newcomer = h.person({ first_name: "Vanna", language_code: "en" });
    await newcomer.send(checkinStart(forum));
    const texts = newcomer.messages().map((m) => m.text);
    expect(texts[0]).toContain("Welcome to «Ta Phou public forum»! You are counted as present.");
    expect(texts[1]).toContain("Welcome to Mati! A minute to set it up");
    expect(newcomer.last().text).toContain("Choose your language");
    const row = await userRow(env, newcomer.id);
    expect(await rowsOf(forum.id)).toMatchObject([{ userId: row.id, source: "telegram" }]);

    await newcomer.press("English");
    await newcomer.press("✅ I agree");
    expect(newcomer.last().text).toContain("Is this where you live?");
    expect(newcomer.last().text).toContain("Ta Phou");
    await newcomer.press("✅ Yes");
    await newcomer.press("👩 A woman");
    await newcomer.press("15–30 (youth)");
    for (let i = 0; i < 3; i++) await newcomer.press("⏭ Skip");
    expect(newcomer.last().text).toContain("you are all set");
    expect((await userRow(env, newcomer.id)).communeCode).toBe(communes.taPhou);
    // The profile given after checking in counts in the forum's figures.
    expect((await presenceAt(env.db, forum.id)).checkedIn).toEqual({ total: 1, women: 1, men: 0, youth: 1, disability: 0 });
    // A second check-in from an onboarded person is just "already".
    await newcomer.send(checkinStart(forum));
    expect(newcomer.last().text).toContain("You are already checked in");
  });
});

describe("counting people without Telegram", () => {
  it("each +1 records one person with the ticked groups; ticks apply to one press; undo takes back the counter's last", async () => {
    const forum = await forumStartingIn(10 * 60_000);
    await staff.send(`/count ${forum.id}`);
    expect(staff.last().text).toContain(`Counting people without Telegram: forum #${forum.id} «Ta Phou public forum»`);
    expect(staff.last().text).toContain("Counted so far: 0");
    expect(staff.buttons()).toEqual(["⬜️ Youth", "⬜️ Disability", "+1 Woman", "+1 Man", "+1 Not said", "↩️ Undo my last"]);

    await staff.press("⬜️ Youth");
    await staff.press("⬜️ Disability");
    expect(staff.buttons().slice(0, 2)).toEqual(["☑️ Youth", "☑️ Disability"]);
    await staff.press("+1 Woman"); // a young woman with a disability: one person, in three groups
    expect(staff.toasts().at(-1)).toBe("+1 woman, youth, with a disability: 1 counted");
    expect(staff.buttons().slice(0, 2)).toEqual(["⬜️ Youth", "⬜️ Disability"]);
    await staff.press("+1 Man");
    await staff.press("+1 Woman");
    await staff.press("+1 Not said");
    expect(staff.last().text).toContain("Counted so far: 4 (women 2, men 1, youth 1, with a disability 1)");
    await staff.press("↩️ Undo my last");
    expect(staff.toasts().at(-1)).toBe("Taken back: person");
    expect(staff.last().text).toContain("Counted so far: 3 (women 2, men 1, youth 1, with a disability 1)");

    // A volunteer of the commune counts at the same forum; their undo takes back only their own.
    const volunteer = await registered(env, h, { role: "volunteer", language: "km", communeCode: communes.taPhou });
    await env.db.insert(volunteerCommunes).values({ userId: (await userRow(env, volunteer.id)).id, communeCode: communes.taPhou });
    await volunteer.send(`/count ${forum.id}`);
    await volunteer.press("+១ បុរស");
    expect(volunteer.toasts().at(-1)).toBe("+១ បុរស៖ រាប់បាន ៤ នាក់");
    await volunteer.press("↩️ លុបការចុចចុងក្រោយរបស់ខ្ញុំ");
    await volunteer.press("↩️ លុបការចុចចុងក្រោយរបស់ខ្ញុំ");
    expect(volunteer.toasts().at(-1)).toBe("អ្នកមិនទាន់បានរាប់នរណាម្នាក់នៅវេទិកានេះទេ។");
    expect((await presenceAt(env.db, forum.id)).counted).toEqual({ total: 3, women: 2, men: 1, youth: 1, disability: 1 });
  });

  it("is refused to citizens and to volunteers of other communes, and before the forum's day", async () => {
    const forum = await forumStartingIn(10 * 60_000);
    const citizen = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
    await citizen.send(`/count ${forum.id}`);
    expect(citizen.last().text).toBe("Only staff and the volunteers of this forum's communes can count people.");
    await citizen.pressData(`fc:${forum.id}:0:f`, citizen.last());
    expect(citizen.toasts().at(-1)).toBe("Only staff and the volunteers of this forum's communes can count people.");
    const faraway = await registered(env, h, { role: "volunteer", language: "en", communeCode: communes.ponleyTakeo });
    await env.db.insert(volunteerCommunes).values({ userId: (await userRow(env, faraway.id)).id, communeCode: communes.ponleyTakeo });
    await faraway.send(`/count ${forum.id}`);
    expect(faraway.last().text).toBe("Only staff and the volunteers of this forum's communes can count people.");
    const later = await forumStartingIn(5 * 86_400_000);
    await staff.send(`/count ${later.id}`);
    expect(staff.last().text).toMatch(/^Counting opens /);
    await staff.send("/count");
    expect(staff.last().text).toBe("Send the forum's number after the command, e.g. /count 12.");
    expect(await rowsOf(forum.id)).toHaveLength(0);
    expect(await rowsOf(later.id)).toHaveLength(0);
  });
});

describe("the staff view, the QR code and /forget", () => {
  it("shows checked-in and counted people by group beside the RSVPs, sends the QR code, and keeps a forgotten person's count", async () => {
    const forum = await forumStartingIn(20 * 60_000);
    const woman = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
    const man = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
    await env.db.update(users).set({ sex: "female", ageGroup: "15_30", hasDisability: true }).where(eq(users.telegramId, woman.id));
    await env.db.update(users).set({ sex: "male" }).where(eq(users.telegramId, man.id));
    await woman.send(checkinStart(forum));
    await man.send(checkinStart(forum));
    await staff.send(`/count ${forum.id}`);
    await staff.press("+1 Woman");

    await staff.send(`/forum ${forum.id}`);
    const view = staff.last().text;
    expect(view).toContain("Going: 0 · Maybe: 0 · Can't go: 0");
    expect(view).toContain("📲 Checked in with Telegram: 2 (women 1, men 1, youth 1, with a disability 1)");
    expect(view).toContain("🙋 Counted by volunteers: 1 (women 1, men 0, youth 0, with a disability 0)");
    expect(view).toContain("👥 Present in all: 3 (2 women)");

    await staff.press("📷 Check-in QR code");
    const photo = staff.last();
    expect(photo.kind).toBe("photo");
    expect(photo.text).toContain(`https://t.me/mati_test_bot?start=f_${forum.id}_${forum.checkinCode}`);
    const raw = photo.raw as { photo: { file_id: string }[] };
    const png = await h.fake.uploadedFile(raw.photo.at(-1)!.file_id);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");

    // /forget: the person is no longer linked, and still counts as the woman with a disability she was.
    await woman.send("/forget");
    await woman.press("🗑 Yes, erase");
    const rows = await rowsOf(forum.id);
    expect(rows.filter((r) => r.source === "telegram").map((r) => r.userId).filter((id) => id === null)).toHaveLength(1);
    expect(rows.find((r) => r.source === "telegram" && r.userId === null)).toMatchObject({ sex: "female", youth: true, disability: true });
    expect((await presenceAt(env.db, forum.id)).checkedIn).toEqual({ total: 2, women: 1, men: 1, youth: 1, disability: 1 });
  });
});
