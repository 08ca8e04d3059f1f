import { asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { complaintEvents, complaints } from "../../../src/db/schema/index.js";
import { useTestEnvironment } from "../../support/env.js";
import { communes } from "../../support/areas.js";
import { useHarness, eventually, type Person, type TestGroup } from "../../support/harness.js";
import { citizen, councilMessageIn, delivered, fileThroughBot, linkTaPhouAndSvayChek } from "./support.js";
import { writeTranscript } from "../../support/transcript.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });
let dara: Person;
let taPhou: TestGroup;
let svayChek: TestGroup;
let sophal: Person;
let vibol: Person;
beforeAll(async () => {
  ({ dara, taPhou, sophal, svayChek, vibol } = await linkTaPhouAndSvayChek(h, env));
});

const transcript: string[] = [];
function record(who: string, text: string) {
  transcript.push(`[${who}] ${text}`);
}

describe("a complaint from filing to closing, in Khmer", () => {
  it("reaches the commune council with its photos, voice and pin, is acted on, and the citizen closes it", async () => {
    const sokha = await citizen(h, env, "km", communes.taPhou, { first_name: "Sokha", username: "sokha_kh" });
    const complaint = await fileThroughBot(env, sokha, "km", {
      category: "extra_fees",
      service: "health_centre",
      text: "គិលានុបដ្ឋាកនៅមណ្ឌលសុខភាពតាផូ ទារប្រាក់ ២០.០០០ រៀល សម្រាប់ការចាក់វ៉ាក់សាំង ដែលត្រូវតែឥតគិតថ្លៃ។",
      photos: 2,
      voice: true,
      location: { latitude: 13.75, longitude: 103.35 },
      anonymous: false,
    });
    for (const m of sokha.messages()) record("citizen", m.text);
    expect(complaint.reference).toMatch(/^MT-20\d\d-000001$/);

    // Delivered to the commune's group (a commune-level service), not the district's.
    const message = await delivered(taPhou, complaint.reference);
    expect(message.text).toContain("ការទារប្រាក់ក្រៅផ្លូវការ");
    expect(message.text).toContain("មណ្ឌលសុខភាព");
    expect(message.text).toContain("ឃុំតាផូ");
    expect(message.text).toContain("ឈ្មោះ៖ Sokha");
    expect(message.text).not.toContain("sokha_kh");
    expect(message.buttons.flat().map((b) => b.text)).toContain("👀 ទទួលស្គាល់");
    await eventually(() => {
      expect(h.fake.callsTo("sendMediaGroup").filter((c) => Number(c.params.chat_id) === taPhou.id)).toHaveLength(1);
      expect(h.fake.callsTo("sendVoice").filter((c) => Number(c.params.chat_id) === taPhou.id)).toHaveLength(1);
      expect(h.fake.callsTo("sendLocation").filter((c) => Number(c.params.chat_id) === taPhou.id)).toHaveLength(1);
    });
    const pin = taPhou.messages().find((m) => m.kind === "location")!;
    expect(pin.raw.reply_to_message?.message_id).toBe(message.message_id);
    expect(svayChek.messages().some((m) => m.text.includes(complaint.reference))).toBe(false);
    await eventually(() => expect(sokha.last().text).toContain("បានទៅដល់ក្រុមប្រឹក្សាឃុំតាផូ"));
    record("citizen", sokha.last().text);
    record("group", councilMessageIn(taPhou, complaint.reference).text);

    // The council moves it along; the message shows who acted; the citizen hears each step.
    await sophal.press("👀 ទទួលស្គាល់", councilMessageIn(taPhou, complaint.reference));
    expect(councilMessageIn(taPhou, complaint.reference).text).toMatch(/ស្ថានភាព៖ 👀 បានទទួលស្គាល់ — ដោយ Sophal/);
    await eventually(() => expect(sokha.last().text).toContain("បានទទួលស្គាល់បណ្ដឹង " + complaint.reference));
    record("citizen", sokha.last().text);

    const member = taPhou.member({ first_name: "Chenda" });
    await member.press("🔧 កំពុងដោះស្រាយ", councilMessageIn(taPhou, complaint.reference));
    expect(councilMessageIn(taPhou, complaint.reference).text).toContain("🔧 កំពុងដោះស្រាយ — ដោយ Chenda");
    await eventually(() => expect(sokha.last().text).toContain("កំពុងដោះស្រាយបណ្ដឹង"));
    record("citizen", sokha.last().text);

    await member.press("✅ បានដោះស្រាយ", councilMessageIn(taPhou, complaint.reference));
    record("group", councilMessageIn(taPhou, complaint.reference).text);
    await eventually(() => expect(sokha.last().text).toContain("តើបញ្ហាពិតជាបានដោះស្រាយមែនទេ?"));
    record("citizen", sokha.last().text);

    await sokha.press("✅ បាទ/ចាស បានដោះស្រាយ");
    expect(sokha.last().text).toContain("ត្រូវបានបិទ");
    record("citizen", sokha.last().text);
    await eventually(() => expect(taPhou.last().text).toContain("ពលរដ្ឋបានបញ្ជាក់ថា"));
    expect(taPhou.last().raw.reply_to_message?.message_id).toBe(message.message_id);
    await eventually(() => expect(councilMessageIn(taPhou, complaint.reference).text).toContain("🔒 បានបិទ"));
    expect(councilMessageIn(taPhou, complaint.reference).buttons).toEqual([]);
    record("group", taPhou.last().text);
    record("group", councilMessageIn(taPhou, complaint.reference).text);

    const events = await env.db.select().from(complaintEvents).where(eq(complaintEvents.complaintId, complaint.id)).orderBy(asc(complaintEvents.id));
    expect(events.map((e) => e.toStatus)).toEqual(["new", "acknowledged", "in_progress", "resolved", "closed"]);
    expect(events[1]).toMatchObject({ actorKind: "council", actorName: "Sophal", actorTelegramId: sophal.id, fromStatus: "new" });
    expect(events[4]).toMatchObject({ actorKind: "citizen", fromStatus: "resolved" });

    // The citizen's history tells the same story, in Khmer with Khmer digits.
    await sokha.send("/mycomplaints");
    await sokha.press(new RegExp(complaint.reference));
    const detail = sokha.last().text;
    expect(detail).toContain("🔒 បានបិទ");
    expect(detail).toContain("អ្នកបានបញ្ជាក់ថា បានដោះស្រាយហើយ");
    expect(detail).toMatch(/ឆ្នាំ[០-៩]{4}/);
    writeTranscript("complaint-km", transcript.join("\n\n"));
  });
});

describe("routing, reopening and questions, in English", () => {
  it("sends a land dispute to the district, explains the mechanism, and the citizen reopens a resolution", async () => {
    const mary = await citizen(h, env, "en", communes.taPhou, { first_name: "Mary" });
    const complaint = await fileThroughBot(env, mary, "en", { category: "land", text: "My neighbour moved the boundary posts of my rice field.", anonymous: true });
    expect(mary.messages().some((m) => m.text.includes("Cadastral Commission"))).toBe(true);
    expect(complaint.serviceKey).toBeNull();
    const message = await delivered(svayChek, complaint.reference, mary);
    expect(message.text).toContain("វិវាទដីធ្លី"); // the district group speaks Khmer by default
    expect(taPhou.messages().some((m) => m.text.includes(complaint.reference))).toBe(false);

    await vibol.press("✅ បានដោះស្រាយ", message);
    await eventually(() => expect(mary.last().text).toContain("Is the problem really solved?"));
    await mary.press("↩️ Not solved");
    expect(mary.last().text).toContain("What is still not solved");
    await mary.sendSticker();
    expect(mary.last().text).toContain("Please write it as a text message");
    await mary.send("The posts are still in my field.");
    expect(mary.last().text).toContain("is open again");
    await eventually(() => expect(svayChek.last().text).toContain("The posts are still in my field."));
    const [row] = await env.db.select().from(complaints).where(eq(complaints.id, complaint.id));
    expect(row!.status).toBe("in_progress");
    await eventually(() => expect(councilMessageIn(svayChek, complaint.reference).text).toContain("🔧"));
  });

  it("routes OWSO delays to the district and a question goes to the citizen and the answer back as a reply in the thread", async () => {
    const bopha = await citizen(h, env, "en", communes.treas, { first_name: "Bopha" });
    const complaint = await fileThroughBot(env, bopha, "en", { category: "documents_delay", service: "owso", text: "I have waited two months for my construction permit." });
    const message = await delivered(svayChek, complaint.reference, bopha);

    await vibol.press("❓ សួរពលរដ្ឋ", message);
    const prompt = svayChek.last();
    expect(prompt.text).toContain(complaint.reference);
    // Another member's reply to the prompt is not taken as the question.
    const other = svayChek.member({ first_name: "Rith" });
    await other.reply(prompt, "Should not be relayed");
    expect(svayChek.last().text).toContain("សារនេះសម្រាប់ Vibol");
    await vibol.reply(prompt, "Which day did you submit the application?");
    expect(svayChek.last().text).toContain("✅");
    await eventually(() => expect(bopha.last().text).toContain("Which day did you submit the application?"));
    expect(bopha.messages().some((m) => m.text.includes("Should not be relayed"))).toBe(false);

    await bopha.press("✍️ Answer");
    await bopha.sendPhoto();
    expect(bopha.last().text).toContain("Please write it as a text message");
    await bopha.send("On 3 March, at the OWSO desk.");
    expect(bopha.last().text).toContain("Sent to the council");
    const answer = await eventually(() => {
      const m = svayChek.messages().find((x) => x.text.includes("On 3 March, at the OWSO desk."));
      expect(m).toBeDefined();
      return m!;
    });
    expect(answer.text).toContain("Bopha");
    expect(answer.raw.reply_to_message?.message_id).toBe(message.message_id);
  });
});
