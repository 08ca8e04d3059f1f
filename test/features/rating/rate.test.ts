import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ratings, ratingScores, users } from "../../../src/db/schema/index.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { returningCitizen } from "../../support/onboarding.js";
import { translator } from "../../../src/i18n.js";
import { CONVERSATION_STATE_VERSION } from "../../../src/bot/create-bot.js";
import { createHarness, useHarness, type Person } from "../../support/harness.js";

const env = useTestEnvironment();
const h = useHarness(env);

/** A citizen who has started the bot and lives in Ta Phou. */
async function citizen(lang: "km" | "en", commune: string = communes.taPhou): Promise<Person> {
  return returningCitizen(h, env.db, { lang, communeCode: commune });
}

async function userId(p: Person): Promise<number> {
  const [row] = await env.db.select().from(users).where(eq(users.telegramId, p.id));
  return row!.id;
}

async function ratingsOf(p: Person) {
  return env.db.select().from(ratings).where(eq(ratings.raterUserId, await userId(p))).orderBy(ratings.id);
}

describe("/rate, a first rating", () => {
  it("rates the health centre in Khmer, one message edited throughout, to a saved row with scores", async () => {
    const p = await citizen("km");
    await p.send("/rate");
    const panel = p.last();
    expect(panel.text).toContain("ឃុំតាផូ");
    expect(p.buttons().slice(0, 4)).toEqual(["មណ្ឌលសុខភាព", "សាលាបឋមសិក្សា", "រដ្ឋបាលឃុំ/សង្កាត់", "ការិយាល័យច្រកចេញចូលតែមួយ"]);
    let taps = 0;
    await p.press("មណ្ឌលសុខភាព"), taps++;
    expect(p.last().text).toContain("១/៨");
    await p.press(/រំលង/), taps++;
    expect(p.last().text).toContain("២/៨");
    expect(p.last().text).toContain("បុគ្គលិករួសរាយរាក់ទាក់");
    expect(p.buttons()).toEqual(["😠 មិនពេញចិត្តខ្លាំង", "🙁 មិនពេញចិត្ត", "😐 ទទួលយកបាន", "🙂 ពេញចិត្ត", "😀 ពេញចិត្តខ្លាំង", "➖ មិនពាក់ព័ន្ធ / មិនដឹង"]);
    for (const face of ["😀", "🙂", "😐", "🙁", "😠", "🙂"]) {
      await p.press(new RegExp(`^${face}`)), taps++;
    }
    expect(p.last().text).toContain("៨/៨");
    expect(p.buttons()).toEqual(["មាន", "គ្មាន", "មិនដឹង"]);
    await p.press("គ្មាន"), taps++;
    // The payment question was the last: the comment is offered on the summary, not asked.
    expect(p.last().text).toContain("សូមពិនិត្យចម្លើយរបស់អ្នក");
    expect(p.last().text).not.toContain("ជំនួស");
    expect(p.buttons()).toEqual(["✅ ផ្ញើ", "💬 បន្ថែមមតិយោបល់ (មិនចាំបាច់)", "✏️ កែចម្លើយ", "✖️ បោះបង់"]);
    await p.press("✅ ផ្ញើ"), taps++;
    // service, facility (skip), 6 criteria, payment, send
    expect(taps).toBe(10);

    // Everything happened in the one message.
    expect(p.messages()).toHaveLength(1); // the panel
    expect(p.last().message_id).toBe(panel.message_id);
    expect(p.last().text).toContain("អរគុណ");
    expect(p.last().text).toContain("៥ នាក់");

    const [saved] = await ratingsOf(p);
    expect(saved).toMatchObject({ service: "health_centre", communeCode: communes.taPhou, source: "self", informalPayment: "no", facilityName: null, comment: null, volunteerUserId: null, supersededAt: null });
    const scores = await env.db.select().from(ratingScores).where(eq(ratingScores.ratingId, saved!.id));
    expect(Object.fromEntries(scores.map((s) => [s.criterion, s.score]))).toEqual({
      attitude: 5, attentive_care: 4, staff_present: 3, medicines: 2, price_list: 1, water_sanitation: 4,
    });
  });
});

describe("/rate, answers and changes", () => {
  it("in English: names the place, leaves out what doesn't apply, changes one answer on the summary, keeps a comment", async () => {
    const p = await citizen("en");
    await p.send("/rate");
    expect(p.last().text).toContain("Khum Ta Phou");
    await p.press("Primary school");
    expect(p.last().text).toContain("1/8");
    await p.send("Wat Ta Phou school");
    expect(p.last().text).toContain("2/8");
    expect(p.last().text).toContain("Teachers on time and disciplined");
    await p.press(/^😠/);
    await p.press(/^➖ Doesn't apply/);
    await p.press(/^🙂/);
    await p.press(/^➖ Doesn't apply/);
    await p.press(/^😐/);
    await p.press(/^😀/);
    await p.press("Yes");
    expect(p.last().text).toContain("Please check your answers");
    await p.press("💬 Add a comment (optional)");
    expect(p.last().text).toContain("Anything else to tell the council?");
    await p.send("The latrine door is broken.");
    const summary = p.last();
    expect(summary.text).toContain("Please check your answers");
    expect(summary.text).toContain("Place: Wat Ta Phou school");
    expect(summary.text).toContain("😠 Teachers on time and disciplined: Very dissatisfied");
    expect(summary.text).toContain("➖ Good relations between teachers and pupils: Doesn't apply / don't know");
    expect(summary.text).toContain("Asked to pay extra: Yes");
    expect(summary.text).toContain("«The latrine door is broken.»");
    // With a comment, the summary no longer offers to add one.
    expect(p.buttons()).toEqual(["✅ Send", "✏️ Change an answer", "✖️ Cancel"]);

    await p.press("✏️ Change an answer");
    expect(p.last().text).toBe("Which answer do you want to change?");
    await p.press(/Teachers on time/);
    expect(p.last().text).toContain("2/8");
    await p.press(/^😀/);
    expect(p.last().text).toContain("😀 Teachers on time and disciplined: Very satisfied");
    expect(p.last().message_id).toBe(summary.message_id);
    await p.press("✅ Send");
    expect(p.last().text).toContain("Thank you");
    expect(p.last().text).toContain("at least 5 people");

    const [saved] = await ratingsOf(p);
    expect(saved).toMatchObject({ service: "primary_school", facilityName: "Wat Ta Phou school", informalPayment: "yes", comment: "The latrine door is broken." });
    const scores = await env.db.select().from(ratingScores).where(eq(ratingScores.ratingId, saved!.id));
    expect(Object.fromEntries(scores.map((s) => [s.criterion, s.score]))).toEqual({
      teacher_punctual: 5, no_informal_payment: 4, classrooms_materials: 3, clean_school: 5,
    });
    expect(scores.map((s) => s.criterion)).not.toContain("teacher_pupil");
    expect(scores.map((s) => s.criterion)).not.toContain("latrines");
  });

  it("asks about extra payment only where the service does", async () => {
    const p = await citizen("en");
    await p.send("/rate");
    await p.press("Water supply");
    expect(p.last().text).toContain("1/4");
    for (let i = 0; i < 3; i++) await p.press(/^🙂/);
    expect(p.last().text).toContain("4/4");
    await p.press(/^🙂/);
    // No payment question: the last criterion leads straight to the summary.
    expect(p.last().text).toContain("Please check your answers");
    expect(p.last().text).not.toContain("Asked to pay extra");
    await p.press("💬 Add a comment (optional)");
    expect(p.last().text).toContain("Anything else to tell the council?");
    expect(p.buttons()).toEqual(["Skip ➡️"]);
    await p.sendVoice(7);
    expect(p.last().text).toContain("🎤 voice note");
    expect(p.last().text).not.toContain("Asked to pay extra");
    await p.press("✅ Send");
    const [saved] = await ratingsOf(p);
    expect(saved).toMatchObject({ service: "water_supply", informalPayment: null, comment: null });
    expect(saved!.commentVoiceFileId).toMatch(/^file-/);

    await p.press("⭐ Rate another service");
    await p.press("One Window Service Office (OWSO)");
    for (let i = 0; i < 5; i++) await p.press(/^😐/);
    expect(p.last().text).toContain("6/6");
    expect(p.last().text).toContain("Were you asked to pay anything extra");
  });

  it("has nothing to send when nothing applies", async () => {
    const p = await citizen("km");
    await p.send("/rate");
    await p.press("ផ្លូវក្នុងមូលដ្ឋាន");
    for (let i = 0; i < 4; i++) await p.press(/^➖/);
    expect(p.last().text).toContain("គ្មានអ្វីត្រូវផ្ញើទេ");
    expect(p.buttons()).toEqual(["✏️ កែចម្លើយ", "✖️ បោះបង់"]);
    await p.press("✖️ បោះបង់");
    expect(p.last().text).toBe("បានបោះបង់។ គ្មានអ្វីត្រូវបានរក្សាទុកទេ។");
    expect(await ratingsOf(p)).toHaveLength(0);
  });
});

async function rateCommuneOffice(p: Person, face: string, send: boolean, sendLabel: string) {
  await p.send("/rate");
  await p.press(/^(រដ្ឋបាលឃុំ\/សង្កាត់|Commune\/sangkat office)$/);
  for (let i = 0; i < 6; i++) await p.press(new RegExp(`^${face}`));
  await p.press(/^(គ្មាន|No)$/);
  if (send) await p.press(sendLabel);
}

describe("one rating per person, service and commune in 30 days", () => {
  it("says before saving that the new rating replaces the earlier one, and only one counts (Khmer)", async () => {
    const p = await citizen("km");
    await rateCommuneOffice(p, "😠", true, "✅ ផ្ញើ");
    await rateCommuneOffice(p, "😀", false, "✅ ផ្ញើ");
    expect(p.last().text).toContain("វានឹងជំនួសការវាយតម្លៃមុន");
    expect(p.last().text).toMatch(/ថ្ងៃ.+ទី[០-៩]+ ខែ.+ឆ្នាំ[០-៩]{4}/);
    expect(await ratingsOf(p)).toHaveLength(1); // nothing saved before Send
    await p.press("✅ ផ្ញើ");
    expect(p.last().text).toContain("វាជំនួសការវាយតម្លៃមុន");
    const [first, second] = await ratingsOf(p);
    expect(first!.supersededById).toBe(second!.id);
    expect(first!.supersededAt).not.toBeNull();
    expect(second!.supersededAt).toBeNull();
  });

  it("in English; a rating older than 30 days, or of another commune, is not replaced", async () => {
    const p = await citizen("en");
    await rateCommuneOffice(p, "😐", true, "✅ Send");
    const [old] = await ratingsOf(p);
    await env.db.update(ratings).set({ createdAt: new Date(Date.now() - 31 * 86_400_000) }).where(eq(ratings.id, old!.id));
    await rateCommuneOffice(p, "🙂", false, "✅ Send");
    expect(p.last().text).not.toContain("replaces");
    await p.press("✅ Send");
    await env.db.update(users).set({ communeCode: communes.treas }).where(eq(users.telegramId, p.id));
    await rateCommuneOffice(p, "🙂", false, "✅ Send");
    expect(p.last().text).not.toContain("replaces");
    await p.press("✅ Send");
    await env.db.update(users).set({ communeCode: communes.taPhou }).where(eq(users.telegramId, p.id));
    await rateCommuneOffice(p, "😀", false, "✅ Send");
    expect(p.last().text).toContain("You already rated this service in this commune on");
    await p.press("✅ Send");
    const rows = await ratingsOf(p);
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => r.supersededAt === null).map((r) => r.communeCode).sort()).toEqual([communes.taPhou, communes.treas, communes.taPhou].sort());
  });
});

describe("/rate, what people do instead of answering", () => {
  it("asks the question again with a hint after free text, a sticker or a document", async () => {
    const p = await citizen("km");
    await p.send("/rate");
    await p.press("មណ្ឌលសុខភាព");
    await p.press(/រំលង/);
    const before = p.last();
    await p.send("ល្អណាស់");
    const again = p.last();
    expect(again.message_id).not.toBe(before.message_id);
    expect(again.text).toContain("សូមចុចប៊ូតុងមួយខាងក្រោម");
    expect(again.text).toContain("២/៨");
    expect(p.messages().map((m) => m.message_id)).not.toContain(before.message_id); // the old question is gone
    await p.sendSticker();
    expect(p.last().text).toContain("សូមចុចប៊ូតុងមួយខាងក្រោម");
    expect(p.last().text).toContain("២/៨");
    // Answering on the new message carries on as usual.
    for (let i = 0; i < 6; i++) await p.press(/^🙂/);
    await p.press("មិនដឹង");
    await p.press("💬 បន្ថែមមតិយោបល់ (មិនចាំបាច់)");
    await p.sendContent({ document: { file_id: "doc-1", file_unique_id: "doc-1", file_name: "a.pdf" } });
    expect(p.last().text).toContain("សូមសរសេរសារ ឬផ្ញើសារជាសំឡេង");
    expect(p.last().text).toContain("តើអ្នកមានអ្វីចង់ប្រាប់ក្រុមប្រឹក្សាបន្ថែមទេ?"); // the comment question again
    await p.send("កៅអីមិនគ្រប់");
    expect(p.last().text).toContain("«កៅអីមិនគ្រប់»");
  });

  it("answers every press; old, forged, foreign and double-tapped buttons are expired and change nothing", async () => {
    const p = await citizen("en");
    await p.send("/rate");
    const first = p.last();
    await p.press("Health centre");
    await p.press("Skip ➡️");
    const question = p.last();
    const answersBefore = h.fake.callsTo("answerCallbackQuery").length;
    await p.pressData("r:99:5", question); // forged step
    await p.pressData("r:1:health_centre", first); // the service button, already answered
    await p.pressData("c:ack:12", question); // another feature's button
    await p.pressData("x".repeat(64), question);
    expect(h.fake.callsTo("answerCallbackQuery").length - answersBefore).toBe(4);
    expect(p.toasts().slice(-4)).toEqual(Array(4).fill("This button has expired."));
    expect(p.last().text).toContain("2/8");
    // A double tap: the second press of the same button does not answer the next question.
    const face = question.buttons.flat().find((b) => b.text.startsWith("😀"))!.data!;
    await p.pressData(face, question);
    await p.pressData(face, question);
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    expect(p.last().text).toContain("3/8");
  });

  it("/cancel leaves cleanly; the old question's buttons are then expired", async () => {
    const p = await citizen("km");
    await p.send("/rate");
    await p.press("មណ្ឌលសុខភាព");
    const question = p.last();
    await p.send("/cancel");
    expect(p.last().text).toBe("បានបោះបង់ហើយ។ ផ្ញើ /help ដើម្បីមើលអ្វីដែលអ្នកអាចធ្វើបាន។");
    await p.press(/រំលង/, question);
    expect(p.toasts().at(-1)).toBe("ប៊ូតុងនេះហួសសុពលភាពហើយ។");
    await p.send("សួស្ដី");
    expect(p.last().text).toContain("ខ្ញុំមិនយល់សារនេះទេ");
    expect(await ratingsOf(p)).toHaveLength(0);
  });

  it("a command in the middle leaves the rating; /rate starts afresh", async () => {
    const p = await citizen("en");
    await p.send("/rate");
    await p.press("Health centre");
    await p.press("Skip ➡️");
    const abandoned = p.last();
    await p.send("/rate");
    expect(p.last().text).toContain("Which service did you use?");
    expect(p.last().message_id).not.toBe(abandoned.message_id);
    // A button of the abandoned rating does not answer the new one.
    await p.press(/^😀/, abandoned);
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    expect(p.last().text).toContain("Which service did you use?");
    await p.send("/help");
    expect(p.last().text).toContain("What Mati can do");
  });

  it("a rating saved by a release with another state version is dropped: its buttons are expired, /rate starts afresh", async () => {
    const p = await citizen("en");
    await p.send("/rate");
    await p.press("Health centre");
    const question = p.last();
    // As if an earlier release had saved it (README, Deploys).
    const key = `${env.redisPrefix}:conversation:${p.id}`;
    const saved = JSON.parse((await env.redis.get(key))!);
    expect(saved.version[1]).toBe(CONVERSATION_STATE_VERSION);
    saved.version[1] = CONVERSATION_STATE_VERSION - 1;
    await env.redis.set(key, JSON.stringify(saved), "KEEPTTL");

    await p.press("Skip ➡️", question);
    // Expired, with the main menu to go on from; the old question is left as it was.
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    expect(p.last().text).toContain("What would you like to do?");
    expect(p.messages().find((m) => m.message_id === question.message_id)?.text).toBe(question.text);
    await p.send("/rate");
    expect(p.last().text).toContain("Which service did you use?");
    expect(await ratingsOf(p)).toHaveLength(0);
  });

  it("without a commune, asks where first with the picker, saves it, and goes on to the rating", async () => {
    const p = await returningCitizen(h, env.db, { lang: "en" });
    await p.send("/rate");
    expect(p.last().text).toContain(translator("en")("areas.where_first"));
    await p.send("Treas");
    expect(p.last().text).toContain("Which service did you use?");
    const [row] = await env.db.select().from(users).where(eq(users.telegramId, p.id));
    expect(row?.communeCode).toBe(communes.treas);
  });
});

describe("a restart between two answers", () => {
  it("resumes at the same step, from the state kept in Redis", async () => {
    const first = await createHarness(env);
    const before = await returningCitizen(first, env.db, { lang: "km", communeCode: communes.taPhou });
    await before.send("/rate");
    await before.press("មណ្ឌលសុខភាព");
    await before.press(/រំលង/);
    await before.press(/^😀/);
    await first.close();

    // What is kept between the two: the steps, not the bot's own messages told back to it
    // (every press carries the message pressed on, every edit returns it).
    const saved = (await env.redis.get(`${env.redisPrefix}:conversation:${before.id}`))!;
    expect(saved).toContain('"callback_query"');
    expect(saved).not.toContain("៣/៨");
    expect(saved).not.toContain("inline_keyboard");
    expect(Buffer.byteLength(saved)).toBeLessThan(6_000);

    const second = await createHarness(env, {}, { fake: first.fake });
    try {
      const p = second.adopt(before);
      expect(p.last().text).toContain("៣/៨");
      await p.press(/^😐/);
      expect(p.last().text).toContain("៤/៨");
      for (let i = 0; i < 4; i++) await p.press(/^🙂/);
      await p.press("មាន");
      await p.press("✅ ផ្ញើ");
      const [saved] = await ratingsOf(p);
      const scores = await env.db.select().from(ratingScores).where(eq(ratingScores.ratingId, saved!.id));
      expect(Object.fromEntries(scores.map((s) => [s.criterion, s.score]))).toMatchObject({ attitude: 5, attentive_care: 3 });
      expect(saved!.informalPayment).toBe("yes");
    } finally {
      await second.close();
    }
  });
});
