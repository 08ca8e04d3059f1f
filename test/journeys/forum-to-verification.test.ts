/**
 * One forum followed from its announcement to the citizens' verification, in
 * Khmer: announced → RSVPs → a reminder → check-in by the QR link (and a
 * newcomer onboarded) → +1 counts → three commitments recorded by staff →
 * the council's group moves them along (photo, done) → the citizens concerned
 * are asked once → their answers beside the council's claim, withheld under
 * 5 → the overdue one is reminded → the question closes with final figures.
 *
 * With MATI_TRANSCRIPT=<folder> set, writes forum-loop-km.txt there: every
 * message people received (and what they pressed), in order.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { commitments, forums, volunteerCommunes } from "../../src/db/schema/index.js";
import { broadcastSummary } from "../../src/features/broadcast/engine.js";
import { overdueJobId, verifyCloseJobId } from "../../src/features/commitments/jobs.js";
import { createForum, publishForum } from "../../src/features/forums/forums.js";
import { communes } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { eventually, useHarness, type Person, type TestGroup } from "../support/harness.js";
import { registered, userRow } from "../support/people.js";
import { linkCouncil } from "../features/complaints/support.js";
import { commitmentMessageIn, dayAhead, postedIn, raterOf, recordSteps, runNow } from "../features/commitments/support.js";
import { writeTranscript } from "../support/transcript.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });

let sreymom: Person; // staff, Khmer
let taPhou: TestGroup;
let sophal: Person; // the council group's administrator
let chenda: Person; // a council member
let srey: Person; // a volunteer of Ta Phou
const citizens: Person[] = [];
let newcomer: Person;
let forumId: number;
const references: string[] = [];

// ── The transcript: what each person received, and what they did, in order ──
const names = new Map<number, string>();
const actions: { at: number; line: string }[] = [];
let since = 0;
function did(p: Person, what: string) {
  actions.push({ at: Date.now(), line: `    ↳ ${names.get(p.user.id) ?? p.user.first_name}: ${what}` });
}
/** Sends in order, one block per message; the same message to several people at once is one block naming them all. */
function transcript(): string {
  const lines: { at: number; who?: string; body: string }[] = actions.map((a) => ({ at: a.at, body: a.line }));
  for (const call of h.fake.calls.slice(since)) {
    if (!["sendMessage", "sendPhoto", "editMessageText"].includes(call.method)) continue;
    const who = names.get(Number(call.params.chat_id));
    if (!who) continue;
    const text = String(call.params.text ?? call.params.caption ?? "");
    const markup = (typeof call.params.reply_markup === "string" ? JSON.parse(call.params.reply_markup) : call.params.reply_markup) as
      | { inline_keyboard?: { text: string }[][] }
      | undefined;
    const buttons = markup?.inline_keyboard?.flat().map((b) => b.text) ?? [];
    const kind = call.method === "sendPhoto" ? " 📷 (photo)" : call.method === "editMessageText" ? " (message updated)" : "";
    lines.push({ at: call.at, who, body: `${kind ? `${kind.trim()}\n` : ""}${text}${buttons.length ? `\n[ ${buttons.join(" · ")} ]` : ""}` });
  }
  lines.sort((a, b) => a.at - b.at);
  const blocks: { who: string[]; body: string }[] = [];
  for (const l of lines) {
    const previous = blocks.at(-1);
    if (l.who && previous && previous.who.length > 0 && previous.body === l.body) previous.who.push(l.who);
    else blocks.push({ who: l.who ? [l.who] : [], body: l.body });
  }
  return blocks.map((b) => (b.who.length ? `[${b.who.join(", ")}]\n${b.body}` : b.body)).join("\n\n");
}

const answersTo = (p: Person) => h.fake.calls.filter((c) => (c.method === "sendPhoto" || c.method === "sendMessage") && Number(c.params.chat_id) === p.id && String(c.params.caption ?? c.params.text).startsWith("🔎"));

beforeAll(async () => {
  sreymom = await registered(env, h, { role: "staff", language: "km" }, { first_name: "Sreymom" });
  names.set(sreymom.id, "បុគ្គលិក Sreymom");
  taPhou = h.group("ក្រុមប្រឹក្សាឃុំតាផូ");
  names.set(taPhou.id, "ក្រុមប្រឹក្សាឃុំតាផូ (ក្រុម)");
  sophal = await linkCouncil(sreymom, taPhou, communes.taPhou);
  chenda = taPhou.member({ first_name: "Chenda" });
  names.set(sophal.user.id, "Sophal (អ្នកគ្រប់គ្រងក្រុមក្រុមប្រឹក្សា)");
  names.set(chenda.user.id, "Chenda (សមាជិកក្រុមប្រឹក្សា)");
  srey = await registered(env, h, { role: "volunteer", language: "km", communeCode: communes.taPhou }, { first_name: "Srey" });
  await env.db.insert(volunteerCommunes).values({ userId: (await userRow(env, srey.id)).id, communeCode: communes.taPhou });
  names.set(srey.id, "អ្នកស្ម័គ្រចិត្ត Srey");
  // Six citizens of Ta Phou who rated the health centre before.
  for (const name of ["Sokha", "Dara", "Vanna", "Kunthea", "Pisey", "Rith"]) {
    const p = await raterOf(env, h, communes.taPhou, "health_centre", "km");
    names.set(p.id, `ពលរដ្ឋ ${name}`);
    citizens.push(p);
  }
});

describe("one forum, from its announcement to what citizens say of the commitments", () => {
  it("is announced, answered and reminded", async () => {
    since = h.fake.calls.length;
    // It starts in an hour and a few seconds: its "1 hour before" reminder goes out in those seconds, and check-in is open.
    const startsAt = new Date(Date.now() + 3_600_000 + 4_000);
    const forum = await createForum(env.db, {
      type: "commune_forum",
      titleKm: "វេទិកាសាធារណៈឃុំតាផូ ស្ដីពីលទ្ធផលការវាយតម្លៃសេវា",
      titleEn: "Ta Phou public forum on the service ratings",
      startsAt,
      venue: "សាលាឃុំតាផូ ក្បែរវត្ត",
      areaCodes: [communes.taPhou],
      agenda: "១. លទ្ធផលការវាយតម្លៃមណ្ឌលសុខភាព និងសាលារៀន\n២. សំណួរទៅក្រុមប្រឹក្សា\n៣. ការប្ដេជ្ញាចិត្ត",
      reminderOffsets: ["PT1H"],
      createdBy: (await userRow(env, sreymom.id)).id,
    });
    forumId = forum.id;
    const { broadcast } = await publishForum(h.app.deps, forum.id);
    await eventually(async () => expect((await broadcastSummary(env.db, broadcast.id))!.sent).toBe(citizens.length + 1), 10_000);
    expect(citizens[0]!.last().text).toContain("📢 សូមអញ្ជើញចូលរួមវេទិកាសាធារណៈ");
    const rsvps = ["ទៅចូលរួម", "ទៅចូលរួម", "ទៅចូលរួម", "ទៅចូលរួម", "ប្រហែលជា", "មិនអាចទៅបាន"];
    for (const [i, label] of rsvps.entries()) {
      did(citizens[i]!, `ចុច «${label}»`);
      await citizens[i]!.press(label);
    }
    await eventually(() => expect(citizens[4]!.messages().some((m) => m.text.startsWith("⏰"))).toBe(true), 15_000);
    expect(citizens[5]!.messages().some((m) => m.text.startsWith("⏰"))).toBe(false);
  });

  it("on the day, people check in by the QR link, a newcomer is counted and onboarded, a volunteer counts those without Telegram", async () => {
    did(sreymom, `/forum ${forumId} → «📷 កូដ QR សម្រាប់ចុះវត្តមាន»`);
    await sreymom.send(`/forum ${forumId}`);
    await sreymom.press("📷 កូដ QR សម្រាប់ចុះវត្តមាន");
    expect(sreymom.last().kind).toBe("photo");
    const link = /https:\/\/t\.me\/\S+/.exec(sreymom.last().text)![0];
    const payload = new URL(link).searchParams.get("start")!;
    expect(payload).toMatch(new RegExp(`^f_${forumId}_[0-9a-f]{12}$`));
    for (const p of citizens.slice(0, 5)) {
      did(p, "ស្កេនកូដ QR (/start " + payload + ")");
      await p.send(`/start ${payload}`);
      expect(p.last().text).toContain("អ្នកត្រូវបានរាប់ថាមានវត្តមាន");
    }
    did(citizens[0]!, "ស្កេនម្ដងទៀត");
    await citizens[0]!.send(`/start ${payload}`);
    expect(citizens[0]!.last().text).toContain("បានចុះវត្តមាន");

    newcomer = h.person({ first_name: "Nary", language_code: "km" });
    names.set(newcomer.id, "អ្នកចូលរួមថ្មី Nary");
    did(newcomer, "ស្កេនកូដ QR ជាលើកដំបូង");
    await newcomer.send(`/start ${payload}`);
    for (const label of ["ខ្មែរ", "✅ យល់ព្រម", "✅ មែនហើយ", "👩 ស្រី", "⏭ រំលង", "⏭ រំលង", "⏭ រំលង", "⏭ រំលង"]) {
      did(newcomer, `ចុច «${label}»`);
      await newcomer.press(label);
    }
    expect(newcomer.last().text).toContain("ឃុំតាផូ");

    did(srey, `/count ${forumId}`);
    await srey.send(`/count ${forumId}`);
    for (const label of ["+១ ស្ត្រី", "⬜️ យុវជន", "+១ ស្ត្រី", "+១ បុរស", "⬜️ ពិការភាព", "+១ បុរស"]) {
      did(srey, `ចុច «${label}»`);
      await srey.press(label);
    }
    did(sreymom, `/forum ${forumId}`);
    await sreymom.send(`/forum ${forumId}`);
    const view = sreymom.last().text;
    expect(view).toContain("📲 ចុះវត្តមានតាមតេឡេក្រាម៖ ៦ (ស្ត្រី ១");
    expect(view).toContain("🙋 រាប់ដោយអ្នកស្ម័គ្រចិត្ត៖ ៤ (ស្ត្រី ២ បុរស ២ យុវជន ១ ជនមានពិការភាព ១)");
    expect(view).toContain("👥 វត្តមានសរុប៖ ១០ នាក់");
  });

  it("three commitments are recorded and reach the council's group", async () => {
    const due = dayAhead(30);
    const steps = [
      { body: "មណ្ឌលសុខភាព", service: "មណ្ឌលសុខភាព", text: "បិទផ្សាយតារាងតម្លៃផ្លូវការនៅមណ្ឌលសុខភាពតាផូ ហើយឈប់ទារប្រាក់បន្ថែម" },
      { body: "សាលាបឋមសិក្សា", service: "សាលាបឋមសិក្សា", text: "សង់បង្គន់ដាច់ដោយឡែកសម្រាប់សិស្សស្រី និងសិស្សប្រុស នៅសាលាបឋមសិក្សាតាផូ" },
      { body: "ក្រុមប្រឹក្សាឃុំតាផូ", service: "រដ្ឋបាលឃុំ/សង្កាត់", text: "បើកការិយាល័យឃុំឱ្យទាន់ម៉ោង ៧:៣០ ព្រឹក រៀងរាល់ថ្ងៃធ្វើការ" },
    ];
    for (const [i, s] of steps.entries()) {
      const button = i === 0 ? "📝 កត់ត្រាការប្ដេជ្ញាចិត្ត" : "📝 កត់ត្រាមួយទៀត";
      did(sreymom, `ចុច «${button}» ហើយឆ្លើយ៖ ${s.body} · ${s.service} · «${s.text}» · ${due.typed}`);
      await sreymom.press(button);
      references.push(await recordSteps(sreymom, { council: "ក្រុមប្រឹក្សាឃុំតាផូ", body: s.body, service: s.service, text: s.text, due: due.typed }, { save: "✅ កត់ត្រា" }));
    }
    expect(references).toEqual([1, 2, 3].map((n) => `CM-${forumId}-${n}`));
    for (const reference of references) await postedIn(taPhou, reference);
  });

  it("the council moves them along; the citizens concerned are asked once; their answers stand beside the council's claim", async () => {
    const [first, second, third] = references as [string, string, string];
    did(chenda, `ចុច «🔧 បានចាប់ផ្ដើម» លើ ${first}`);
    await chenda.press("🔧 បានចាប់ផ្ដើម", commitmentMessageIn(taPhou, first));
    did(sophal, `ចុច «📷 បន្ថែមរូបថត» លើ ${first} ហើយផ្ញើរូបថតតារាងតម្លៃ`);
    await sophal.press("📷 បន្ថែមរូបថត", commitmentMessageIn(taPhou, first));
    const fileId = h.fake.newFileId();
    await sophal.sendContent({ photo: [{ file_id: fileId, file_unique_id: fileId, width: 1280, height: 960 }], reply_to_message: taPhou.last().raw } as never);
    did(sophal, `ចុច «✅ បានធ្វើរួច» លើ ${first}`);
    await sophal.press("✅ បានធ្វើរួច", commitmentMessageIn(taPhou, first));
    did(chenda, `ចុច «✅ បានធ្វើរួច» លើ ${second}`);
    await chenda.press("✅ បានធ្វើរួច", commitmentMessageIn(taPhou, second));
    did(chenda, `ចុច «🔧 បានចាប់ផ្ដើម» លើ ${third}`);
    await chenda.press("🔧 បានចាប់ផ្ដើម", commitmentMessageIn(taPhou, third));

    // Asked: everyone who rated the health centre or came (the newcomer too), for each done commitment; once each.
    const askedPeople = [...citizens, newcomer];
    for (const p of askedPeople) await eventually(() => expect(answersTo(p)).toHaveLength(p === citizens[5] ? 1 : 2), 15_000);
    // Rith rated the health centre but did not come: asked about the health centre only.
    expect(answersTo(citizens[5]!).map((c) => String(c.params.caption ?? c.params.text))[0]).toContain("មណ្ឌលសុខភាព");

    const [c1, c2] = await Promise.all([first, second].map(async (r) => (await env.db.select().from(commitments).where(eq(commitments.reference, r)))[0]!));
    const press = async (p: Person, commitmentId: number, label: string) => {
      const message = p.messages().find((m) => m.buttons.flat().some((b) => b.data?.startsWith(`cmv:${commitmentId}:`)))!;
      did(p, `ឆ្លើយ «${label}» លើ ${commitmentId === c1!.id ? first : second}`);
      await p.press(label, message);
    };
    for (const [i, label] of ["✅ បាទ/ចាស", "✅ បាទ/ចាស", "✅ បាទ/ចាស", "🟡 ខ្លះៗ", "❌ ទេ"].entries()) await press(citizens[i]!, c1!.id, label);
    // The 5th answer shows the figures in the group.
    await eventually(() => expect(commitmentMessageIn(taPhou, first).text).toContain("👥 ពលរដ្ឋ៖ ឆ្លើយ ៥ នាក់៖ បាទ/ចាស ៣ ខ្លះៗ ១ ទេ ១"));
    await press(citizens[5]!, c1!.id, "✅ បាទ/ចាស");
    for (const [i, label] of ["✅ បាទ/ចាស", "❌ ទេ", "❌ ទេ"].entries()) await press(citizens[i]!, c2!.id, label);
    expect(commitmentMessageIn(taPhou, second).text).toContain("👥 ពលរដ្ឋ៖ មានអ្នកឆ្លើយតិចជាង ៥ នាក់នៅឡើយ");

    did(sophal, "/commitments");
    await sophal.send("/commitments");
    expect(taPhou.last().text).toContain("ឆ្លើយ ៦ នាក់៖ បាទ/ចាស ៤ ខ្លះៗ ១ ទេ ១");
    did(sreymom, `/commitments ${forumId}`);
    await sreymom.send(`/commitments ${forumId}`);
    const list = sreymom.last().text;
    expect(list).toContain(`✅ ${first}`);
    expect(list).toContain("ក្រុមប្រឹក្សាថាបានធ្វើរួច (");
    expect(list).toContain("ពលរដ្ឋ៖ ឆ្លើយ ៦ នាក់៖ បាទ/ចាស ៤ ខ្លះៗ ១ ទេ ១");
    expect(list).toContain("ពលរដ្ឋ៖ មានអ្នកឆ្លើយតិចជាង ៥ នាក់នៅឡើយ");
    expect(list).toContain(`🔧 ${third}`);
  });

  it("the one not done is reminded when overdue; when the question closes the council and staff get the final word", async () => {
    const third = (await env.db.select().from(commitments).where(eq(commitments.reference, references[2]!)))[0]!;
    await runNow(h.app.queues.reminders, overdueJobId(third.id));
    await eventually(() => expect(taPhou.messages().some((m) => m.text.startsWith(`⚠️ ការប្ដេជ្ញាចិត្ត ${third.reference}`))).toBe(true));
    const first = (await env.db.select().from(commitments).where(eq(commitments.reference, references[0]!)))[0]!;
    await runNow(h.app.queues.reminders, verifyCloseJobId(first.id));
    await eventually(() => expect(taPhou.last().text).toContain(`📊 ពលរដ្ឋបានបញ្ចេញមតិលើ ${first.reference}`));
    await eventually(() => expect(sreymom.last().text).toContain(`📊 មតិចុងក្រោយរបស់ពលរដ្ឋលើ ${first.reference}`));
    // Nothing in the group names a citizen.
    const group = taPhou.messages().map((m) => m.text).join("\n");
    for (const p of [...citizens, newcomer]) expect(group).not.toContain(String(p.id));
    for (const name of ["Sokha", "Kunthea", "Nary"]) expect(group).not.toContain(name);
    const [row] = await env.db.select().from(forums).where(eq(forums.id, forumId));
    expect(row!.status).toBe("published");
    writeTranscript("forum-loop-km", transcript());
  });
});
