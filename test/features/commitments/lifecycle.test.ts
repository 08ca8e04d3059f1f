/**
 * A commitment's whole life: recorded by staff from a forum, posted to the
 * council's group, reminded before the due date and when overdue (delayed
 * jobs run now instead of waiting days), rescheduled when the date changes,
 * started → photo → done by the council, the citizens concerned asked once
 * (and nobody else), their answers counted with fewer than 5 withheld, and
 * the council's claim shown beside them. Forged, stale and foreign presses
 * are refused; a council administrator records one in the group.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { commitmentEvents, commitments, commitmentVerifications, forumCheckins, forums, type Commitment } from "../../../src/db/schema/index.js";
import { verificationTally } from "../../../src/features/commitments/commitments.js";
import { createForum } from "../../../src/features/forums/forums.js";
import { afterDone, dueJobId, overdueJobId, verifyCloseJobId } from "../../../src/features/commitments/jobs.js";
import { dueSoonAt, overdueAt } from "../../../src/features/commitments/schedule.js";
import { communes, districts } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { eventually, useHarness, type Person, type TestGroup } from "../../support/harness.js";
import { registered, userRow } from "../../support/people.js";
import { linkCouncil, staff as staffMember } from "../complaints/support.js";
import { commitmentMessageIn, dayAhead, dueAt, postedIn, raterOf, recordSteps, runNow } from "./support.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });
const tz = "Asia/Phnom_Penh";

let dara: Person; // staff
let taPhou: TestGroup;
let sophal: Person; // Ta Phou group admin
let chenda: Person; // Ta Phou group member
let svayChek: TestGroup;
let vibol: Person;
let forumId: number;
let commitment: Commitment;
const asked: Person[] = [];
const notAsked: Person[] = [];

/** A delayed job's time, within the moment it took to add it. */
const expectNear = (actual: number | undefined, expected: number) => expect(Math.abs((actual ?? 0) - expected)).toBeLessThan(1_000);
const row = async (reference: string) => (await env.db.select().from(commitments).where(eq(commitments.reference, reference)))[0]!;
const sentTo = (p: Person) => h.fake.calls.filter((c) => (c.method === "sendMessage" || c.method === "sendPhoto") && Number(c.params.chat_id) === p.id);

beforeAll(async () => {
  dara = await staffMember(h, env);
  taPhou = h.group("Ta Phou council");
  svayChek = h.group("Svay Chek district council");
  sophal = await linkCouncil(dara, taPhou, communes.taPhou);
  vibol = await linkCouncil(dara, svayChek, districts.svayChek, svayChek.member({ first_name: "Vibol" }, "administrator"));
  chenda = taPhou.member({ first_name: "Chenda" });
  const forum = await createForum(env.db, {
    type: "commune_forum",
    titleKm: "វេទិកាសាធារណៈឃុំតាផូ",
    titleEn: "Ta Phou public forum",
    startsAt: new Date(Date.now() - 2 * 3_600_000),
    venue: "Ta Phou commune hall",
    areaCodes: [communes.taPhou],
  });
  await env.db.update(forums).set({ status: "published" }).where(eq(forums.id, forum.id));
  forumId = forum.id;

  // Asked: six who rated the health centre in Ta Phou, one who came to the forum without rating it.
  for (let i = 0; i < 6; i++) asked.push(await raterOf(env, h, communes.taPhou, "health_centre", i % 2 ? "en" : "km"));
  const attendee = await registered(env, h, { communeCode: communes.taPhou, language: "km" });
  await env.db.insert(forumCheckins).values({ forumId, source: "telegram", userId: (await userRow(env, attendee.id)).id });
  asked.push(attendee);
  // Not asked: the school's rater, the health centre's rater in Treas, a forum-goer living in Treas, someone who did nothing.
  notAsked.push(await raterOf(env, h, communes.taPhou, "primary_school"));
  notAsked.push(await raterOf(env, h, communes.treas, "health_centre"));
  const visitor = await registered(env, h, { communeCode: communes.treas });
  await env.db.insert(forumCheckins).values({ forumId, source: "telegram", userId: (await userRow(env, visitor.id)).id });
  notAsked.push(visitor, await registered(env, h, { communeCode: communes.taPhou }));
});

describe("recording", () => {
  it("staff record a commitment from the forum's view; it is posted to the council's group with its buttons, reminders scheduled", async () => {
    await dara.send(`/forum ${forumId}`);
    expect(dara.last().text).toContain("Commitments: none recorded yet");
    await dara.press("📝 Record a commitment");
    expect(dara.messages().at(-2)!.text).toContain(`New commitment from forum #${forumId} «Ta Phou public forum»`);
    expect(dara.buttons()).toEqual(["Ta Phou commune council", "Svay Chek district council"]);
    // Text where a button is expected, and a forged button, are answered and the step stays.
    await dara.pressData("cmr:cn:210104", dara.last());
    expect(dara.toasts().at(-1)).toBe("This button has expired.");
    const due = dayAhead(20);
    await dara.press("Ta Phou commune council");
    await dara.send("the health centre");
    expect(dara.last().text).toBe("Please press one of the buttons above. (To stop: /cancel)");
    await dara.press("The health centre");
    await dara.press("Health centre");
    await dara.send("/start");
    expect(dara.last().text).toBe("Please write it as a text message. (To stop: /cancel)");
    await dara.send("Post the official price list at the Ta Phou health centre, and stop all extra payments.");
    await dara.send("31/2/2020");
    expect(dara.last().text).toContain("could not read that date");
    await dara.send("1/1/2020");
    expect(dara.last().text).toContain("already passed");
    await dara.send(due.typed);
    const preview = dara.last().text;
    expect(preview).toContain("«Post the official price list at the Ta Phou health centre, and stop all extra payments.»");
    expect(preview).toContain("👤 Who: The health centre");
    expect(preview).toContain("🏷 Health centre · Khum Ta Phou");
    expect(preview).toContain("🏛 Followed up by: Ta Phou commune council");
    await dara.press("✅ Record");
    expect(dara.last().text).toBe(`✅ Commitment CM-${forumId}-1 is recorded and sent to the group of Ta Phou commune council. They will be reminded before it is due.`);
    expect(dara.buttons()).toEqual(["📝 Record another"]);

    commitment = await row(`CM-${forumId}-1`);
    expect(commitment).toMatchObject({ forumId, councilAreaCode: communes.taPhou, areaCode: communes.taPhou, serviceKey: "health_centre", responsible: "health_centre", dueOn: due.iso, status: "planned" });
    const message = await postedIn(taPhou, commitment.reference);
    expect(message.text.split("\n")[0]).toBe(`🤝 ការប្ដេជ្ញាចិត្ត ${commitment.reference} របស់ក្រុមប្រឹក្សាឃុំតាផូ`);
    expect(message.text).toContain("👤 អ្នកធ្វើ៖ មណ្ឌលសុខភាព");
    expect(message.text).toContain("🤝 ពីវេទិកា «វេទិកាសាធារណៈឃុំតាផូ»");
    expect(message.text).toContain("ស្ថានភាព៖ 🗓 គ្រោងទុក");
    expect(message.buttons.flat().map((b) => b.text)).toEqual(["🔧 បានចាប់ផ្ដើម", "✅ បានធ្វើរួច", "📷 បន្ថែមរូបថត"]);
    expect(svayChek.messages().some((m) => m.text.includes(commitment.reference))).toBe(false);

    expectNear(await dueAt(h.app.queues.reminders, dueJobId(commitment.id, "P3D")), dueSoonAt(due.iso, "P3D", tz)!.getTime());
    expectNear(await dueAt(h.app.queues.reminders, overdueJobId(commitment.id)), overdueAt(due.iso, tz).getTime());
    // 08:00 Phnom Penh, three days before; 08:00 the day after.
    expect(new Date(dueSoonAt(due.iso, "P3D", tz)!.getTime() + 7 * 3_600_000).toISOString().slice(11, 16)).toBe("08:00");
  });

  it("a new due date reschedules the reminders under the same ids, and the group is told", async () => {
    const newDue = dayAhead(45);
    await dara.send(`/commitment ${commitment.reference.toLowerCase()}`);
    expect(dara.last().text).toContain(`🤝 ${commitment.reference} · Ta Phou commune council`);
    expect(dara.last().text).toContain("Council: 🗓 Planned");
    await dara.press("🗓 Change the due date");
    await dara.send(newDue.typed);
    expect(dara.last().text).toMatch(new RegExp(`^✅ ${commitment.reference} is now due on `));
    expectNear(await dueAt(h.app.queues.reminders, dueJobId(commitment.id, "P3D")), dueSoonAt(newDue.iso, "P3D", tz)!.getTime());
    expectNear(await dueAt(h.app.queues.reminders, overdueJobId(commitment.id)), overdueAt(newDue.iso, tz).getTime());
    await eventually(() => expect(taPhou.last().text).toContain(`🗓 ការប្ដេជ្ញាចិត្ត ${commitment.reference} ឥឡូវត្រូវធ្វើរួចនៅ`));
    const [changed] = await env.db.select().from(commitmentEvents).where(eq(commitmentEvents.kind, "due_changed"));
    expect(changed!.note).toBe(`${commitment.dueOn} → ${newDue.iso}`);
    commitment = await row(commitment.reference);
  });
});

describe("reminders", () => {
  it("go to the group before the due date and when overdue, as replies with the buttons; an outdated job stays silent", async () => {
    await runNow(h.app.queues.reminders, dueJobId(commitment.id, "P3D"));
    const soon = await eventually(() => {
      const m = taPhou.messages().find((x) => x.text.startsWith("⏰"));
      expect(m).toBeDefined();
      return m!;
    });
    expect(soon.text).toContain(`សូមរំលឹក៖ ការប្ដេជ្ញាចិត្ត ${commitment.reference} ត្រូវធ្វើរួចក្នុងរយៈពេល ៣ ថ្ងៃ ទៀត`);
    expect(soon.raw.reply_to_message?.message_id).toBe(commitmentMessageIn(taPhou, commitment.reference).message_id);
    expect(soon.buttons.flat().map((b) => b.text)).toContain("✅ បានធ្វើរួច");

    await runNow(h.app.queues.reminders, overdueJobId(commitment.id));
    await eventually(() => expect(taPhou.messages().some((m) => m.text.startsWith(`⚠️ ការប្ដេជ្ញាចិត្ត ${commitment.reference}`))).toBe(true));

    // A job left from the first due date (a restart, a failed removal) sees another date and says nothing.
    await h.app.queues.reminders.add("commitment-reminder", { commitmentId: commitment.id, kind: "due", offset: "P3D", dueOn: "2020-01-01" }, { jobId: `commitment-${commitment.id}-stale` });
    await eventually(async () => expect((await h.app.queues.reminders.getJob(`commitment-${commitment.id}-stale`))!.returnvalue).toEqual({ sent: false, why: "moved" }));
  });
});

describe("the council's claim and the citizens' verification", () => {
  it("members mark it started, add a photo, then done; the citizens concerned are asked once, with the photo; nobody else", async () => {
    const message = () => commitmentMessageIn(taPhou, commitment.reference);
    await chenda.press("🔧 បានចាប់ផ្ដើម", message());
    expect(chenda.toasts().at(-1)).toBe("បានរក្សាទុក៖ 🔧 បានចាប់ផ្ដើម");
    expect(message().text).toMatch(/ស្ថានភាព៖ 🔧 បានចាប់ផ្ដើម — ដោយ Chenda/);
    expect(message().buttons.flat().map((b) => b.text)).toEqual(["✅ បានធ្វើរួច", "📷 បន្ថែមរូបថត"]);
    await chenda.pressData(`cmp:st:${commitment.id}`, message());
    expect(chenda.toasts().at(-1)).toBe("មិនអាចប្ដូរបែបនេះបានទេឥឡូវនេះ (ស្ថានភាព៖ 🔧 បានចាប់ផ្ដើម)។");

    await sophal.press("📷 បន្ថែមរូបថត", message());
    const prompt = taPhou.last();
    expect(prompt.text).toBe(`Sophal សូមឆ្លើយតប (Reply) សារនេះដោយផ្ញើរូបថតការងារសម្រាប់ ${commitment.reference}។`);
    await chenda.reply(prompt, "not mine to answer");
    expect(taPhou.last().text).toBe("សារនេះសម្រាប់ Sophal។");
    await sophal.reply(prompt, "here is the photo");
    expect(taPhou.last().text).toBe("សូមឆ្លើយតបដោយផ្ញើរូបថត។");
    const fileId = h.fake.newFileId();
    await sophal.sendContent({ photo: [{ file_id: fileId, file_unique_id: fileId, width: 1280, height: 960 }], reply_to_message: prompt.raw } as never);
    expect(taPhou.last().text).toBe(`📷 បានបន្ថែមរូបថតទៅ ${commitment.reference}។ សូមអរគុណ។`);
    expect(message().text).toContain("📷 រូបថតជាភស្តុតាង៖ ១");

    await sophal.press("✅ បានធ្វើរួច", message());
    expect(message().text).toMatch(/ស្ថានភាព៖ ✅ បានធ្វើរួច — ដោយ Sophal/);
    await eventually(() => expect(taPhou.messages().some((m) => m.text.startsWith(`✅ ${commitment.reference} ត្រូវបានសម្គាល់ថាបានធ្វើរួច។ ពលរដ្ឋ ៧ នាក់`))).toBe(true));
    await eventually(() => expect(message().text).toContain("👥 ពលរដ្ឋ៖ មានអ្នកឆ្លើយតិចជាង ៥ នាក់នៅឡើយ (បានសួរ ៧ នាក់)"));
    expect(message().buttons.flat().map((b) => b.text)).toEqual(["📷 បន្ថែមរូបថត"]);
    await chenda.pressData(`cmp:dn:${commitment.id}`, message());
    expect(chenda.toasts().at(-1)).toContain("មិនអាចប្ដូរបែបនេះបានទេ");

    for (const p of asked) await eventually(() => expect(sentTo(p).filter((c) => c.method === "sendPhoto")).toHaveLength(1));
    const km = asked[0]!.last();
    expect(km.kind).toBe("photo");
    expect((km.raw as { photo: { file_id: string }[] }).photo.at(-1)!.file_id).toBe(fileId);
    expect(km.text).toContain("🔎 ក្រុមប្រឹក្សាឃុំតាផូ និយាយថាការនេះបានធ្វើរួចហើយ៖");
    expect(km.text).toContain("តើការនេះពិតជាបានធ្វើមែនទេ?");
    expect(asked[1]!.last().text).toContain("Has this really happened?");
    expect(asked[1]!.buttons()).toEqual(["✅ Yes", "🟡 Partly", "❌ No"]);
    // Asked once: the question's broadcast is one per commitment, whatever calls for it again.
    await afterDone(h.app.deps, (await row(commitment.reference))!, "Sophal");
    await new Promise((r) => setTimeout(r, 500));
    for (const p of asked) expect(sentTo(p).filter((c) => c.method === "sendPhoto")).toHaveLength(1);
    for (const p of notAsked) expect(sentTo(p)).toHaveLength(0);
    // The staff member who recorded it hears that it is done.
    await eventually(() => expect(dara.last().text).toBe(`✅ Ta Phou commune council marked ${commitment.reference} done (Sophal). 7 citizens are being asked whether it really happened.`));
    // Reminders are gone: a done commitment is not reminded.
    expect(await h.app.queues.reminders.getJob(dueJobId(commitment.id, "P3D"))).toBeUndefined();
    expect(await h.app.queues.reminders.getJob(overdueJobId(commitment.id))).toBeUndefined();
    commitment = await row(commitment.reference);
  });

  it("counts one answer per person; under 5 nothing is shown; from 5 the council and staff see the figures beside the claim", async () => {
    await asked[1]!.press("✅ Yes");
    expect(asked[1]!.toasts().at(-1)).toBe("Thank you! Your answer: ✅ Yes. You can change it for 30 days.");
    expect(asked[1]!.buttons()).toEqual(["✅ ✅ Yes", "🟡 Partly", "❌ No"]);
    for (const [i, label] of [[0, "✅ បាទ/ចាស"], [2, "✅ បាទ/ចាស"], [3, "🟡 Partly"]] as const) await asked[i]!.press(label);
    // A change of mind is one answer, changed.
    await asked[3]!.press("❌ No");
    await dara.send(`/commitment ${commitment.reference}`);
    expect(dara.last().text).toContain("Council says done (");
    expect(dara.last().text).toContain("citizens: fewer than 5 answers so far (7 asked)");

    await asked[4]!.press("🟡 ខ្លះៗ");
    await eventually(() => expect(commitmentMessageIn(taPhou, commitment.reference).text).toContain("👥 ពលរដ្ឋ៖ ឆ្លើយ ៥ នាក់៖ បាទ/ចាស ៣ ខ្លះៗ ១ ទេ ១"));
    await dara.send(`/commitment ${commitment.reference}`);
    expect(dara.last().text).toContain("· citizens: 5 answered, 3 yes, 1 partly, 1 no");
    await sophal.send("/commitments");
    expect(taPhou.last().text).toContain(`✅ ${commitment.reference} «Post the official price list`);
    expect(taPhou.last().text).toContain("ក្រុមប្រឹក្សាថាបានធ្វើរួច (");
    expect(taPhou.last().text).toContain("ពលរដ្ឋ៖ ឆ្លើយ ៥ នាក់៖ បាទ/ចាស ៣ ខ្លះៗ ១ ទេ ១");
    // Councils see counts only: no citizen's name or id anywhere in the group.
    const groupText = taPhou.messages().map((m) => m.text).join("\n");
    for (const p of asked) expect(groupText).not.toContain(String(p.id));

    // Someone who was not asked cannot answer, even with a made-up button.
    await notAsked[0]!.send("/start");
    await notAsked[0]!.pressData(`cmv:${commitment.id}:y`, notAsked[0]!.last());
    expect(notAsked[0]!.toasts().at(-1)).toBe("សំណួរនេះមិនបានផ្ញើមកអ្នកទេ។");
  });

  it("when the question closes, the group and staff get the final figures; later presses are refused", async () => {
    await runNow(h.app.queues.reminders, verifyCloseJobId(commitment.id));
    await eventually(() => expect(taPhou.last().text).toBe(`📊 ពលរដ្ឋបានបញ្ចេញមតិលើ ${commitment.reference} «${commitment.text}»៖ ឆ្លើយ ៥ នាក់៖ បាទ/ចាស ៣ ខ្លះៗ ១ ទេ ១។`));
    await eventually(() => expect(dara.last().text).toContain("Final word of citizens on"));
    await env.db.update(commitments).set({ doneAt: new Date(Date.now() - 31 * 86_400_000) }).where(eq(commitments.id, commitment.id));
    await asked[5]!.press("✅ Yes");
    expect(asked[5]!.toasts().at(-1)).toBe("This question is closed. Thank you.");
    // /forget: the answer still counts, and no longer leads to the person.
    const before = await verificationTally(env.db, commitment.id);
    await asked[0]!.send("/forget");
    await asked[0]!.press("🗑 បាទ/ចាស លុបចោល");
    const answers = await env.db.select().from(commitmentVerifications).where(eq(commitmentVerifications.commitmentId, commitment.id));
    expect(answers.filter((a) => a.userId === null)).toHaveLength(1);
    expect(await verificationTally(env.db, commitment.id)).toEqual(before);
  });
});

describe("refusals", () => {
  it("a foreign group, a non-member, a forged id and a forged action are refused politely", async () => {
    const other = await (async () => {
      await dara.send(`/commit ${forumId}`);
      return recordSteps(dara, { council: "Ta Phou commune council", body: "Ta Phou commune council", service: "No particular service", text: "Repair the road to the health centre.", due: dayAhead(60).typed });
    })();
    expect(other).toBe(`CM-${forumId}-2`);
    const c = await row(other);
    const message = await postedIn(taPhou, other);
    expect(message.text).toContain("👤 អ្នកធ្វើ៖ ក្រុមប្រឹក្សាឃុំតាផូ");
    expect(message.text).toContain("📍 ឃុំតាផូ");

    await vibol.pressData(`cmp:dn:${c.id}`, svayChek.last());
    expect(vibol.toasts().at(-1)).toBe("ការប្ដេជ្ញាចិត្តនេះមិនមែនរបស់ក្រុមប្រឹក្សានៃក្រុមនេះទេ។");
    const stranger = h.person({ first_name: "Stranger" }).in(taPhou.chat);
    await stranger.pressData(`cmp:dn:${c.id}`, message);
    expect(stranger.toasts().at(-1)).toBe("មានតែសមាជិកក្រុមនេះទេដែលអាចធ្វើបាន។");
    await chenda.pressData("cmp:dn:999999", message);
    expect(chenda.toasts().at(-1)).toBe("ការប្ដេជ្ញាចិត្តនេះមិនមែនរបស់ក្រុមប្រឹក្សានៃក្រុមនេះទេ។");
    await chenda.pressData(`cmp:zz:${c.id}`, message);
    expect(chenda.toasts().at(-1)).toBe("ប៊ូតុងនេះហួសសុពលភាពហើយ។");
    expect((await row(other)).status).toBe("planned");

    const citizen = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
    await citizen.send("/commit");
    expect(citizen.last().text).toBe("Sorry, this command is for NGO staff only.");
    await chenda.send("/commit");
    expect(taPhou.last().text).toBe("មានតែអ្នកគ្រប់គ្រងក្រុមទេដែលអាចកត់ត្រាការប្ដេជ្ញាចិត្តបាន។");
    await dara.send("/commitment CM-99-9");
    expect(dara.last().text).toBe("There is no commitment CM-99-9.");
  });
});

describe("a district council's commitment", () => {
  it("applies to one of its communes or to all of it; district services are offered", async () => {
    await dara.send("/commit");
    expect(dara.last().text).toContain("Which council follows it up? Type the commune or district name or code");
    await dara.send("Atlantis");
    expect(dara.last().text).toContain("No commune or district council matches «Atlantis»");
    await dara.send("0108");
    await dara.press("The One Window Service Office");
    expect(dara.buttons()).toContain("One Window Service Office (OWSO)");
    await dara.press("One Window Service Office (OWSO)");
    expect(dara.buttons()[0]).toBe("All of Srok Svay Chek");
    expect(dara.buttons()).toEqual(expect.arrayContaining(["Khum Ta Phou", "Khum Treas"]));
    await dara.press("All of Srok Svay Chek");
    await dara.send("Display all OWSO fees at the entrance.");
    await dara.press("In 3 months");
    expect(dara.last().text).toContain("🏷 One Window Service Office (OWSO) · Srok Svay Chek");
    await dara.press("✅ Record");
    const reference = /CM-\d+/.exec(dara.last().text)![0];
    expect(await row(reference)).toMatchObject({ forumId: null, councilAreaCode: districts.svayChek, areaCode: districts.svayChek, serviceKey: "owso", responsible: "owso" });
    const message = await postedIn(svayChek, reference);
    expect(message.text).toContain("🏷 ការិយាល័យច្រកចេញចូលតែមួយ · ស្រុកស្វាយចេក");
    expect(taPhou.messages().some((m) => m.text.includes(`${reference} `))).toBe(false);
  });
});

describe("in the council's group", () => {
  it("an administrator records one there, answering by replies; other members go on as usual meanwhile", async () => {
    await sophal.send("/commit");
    expect(taPhou.messages().at(-2)!.text).toContain("📝 ការប្ដេជ្ញាចិត្តថ្មីរបស់ក្រុមប្រឹក្សាឃុំតាផូ");
    await sophal.press("ក្រុមប្រឹក្សាឃុំតាផូ");
    await sophal.press("សាលាបឋមសិក្សា"); // the service
    expect(taPhou.last().text).toBe("តើនឹងធ្វើអ្វី? សូមសរសេរដូចដែលបានសន្យា ក្នុងមួយ ឬពីរឃ្លា។");
    const question = h.fake.callsTo("sendMessage").filter((c) => Number(c.params.chat_id) === taPhou.id).at(-1)!;
    expect(question.params.reply_markup).toMatchObject({ force_reply: true, selective: true });
    // Another member's command is theirs, not an answer to Sophal's question.
    await chenda.send("/commitments");
    expect(taPhou.last().text).toContain("🤝 ការប្ដេជ្ញាចិត្តរបស់ក្រុមប្រឹក្សាឃុំតាផូ៖");
    await sophal.send("សង់បង្គន់ដាច់ដោយឡែកសម្រាប់សិស្សស្រី និងសិស្សប្រុស");
    await sophal.press("ក្នុង ៣ ខែ");
    expect(taPhou.last().text).toContain("👇 សូមពិនិត្យ៖");
    await sophal.press("✅ កត់ត្រា");
    const reference = /CM-\d+/.exec(taPhou.last().text)![0];
    expect(taPhou.last().text).toContain(`✅ ការប្ដេជ្ញាចិត្ត ${reference} ត្រូវបានកត់ត្រា`);
    const message = await postedIn(taPhou, reference);
    expect(message.text).toContain("🏷 សាលាបឋមសិក្សា · ឃុំតាផូ");
    const c = await row(reference);
    expect(c).toMatchObject({ forumId: null, councilAreaCode: communes.taPhou, serviceKey: "primary_school", createdBy: null });
    const [recorded] = await env.db.select().from(commitmentEvents).where(eq(commitmentEvents.commitmentId, c.id));
    expect(recorded).toMatchObject({ kind: "recorded", actorKind: "council", actorName: "Sophal", actorTelegramId: sophal.id });
  });

  it("a district's digest shows its communes' commitments: overdue, due soon, and done with the citizens' answers", async () => {
    // One overdue (its date moved into the past), one due in 5 days; the done one from above.
    const [overdue] = await env.db.select().from(commitments).where(eq(commitments.reference, `CM-${forumId}-2`));
    await env.db.update(commitments).set({ dueOn: dayAhead(-3).iso }).where(eq(commitments.id, overdue!.id));
    await env.db.update(commitments).set({ doneAt: new Date(Date.now() - 2 * 86_400_000) }).where(eq(commitments.id, commitment.id));
    const soon = (await env.db.select().from(commitments).where(eq(commitments.serviceKey, "primary_school")))[0]!;
    await env.db.update(commitments).set({ dueOn: dayAhead(5).iso }).where(eq(commitments.id, soon.id));
    await dara.send(`/digest ${districts.svayChek}`);
    const digest = dara.messages().findLast((m) => m.kind === "text" && m.text.includes("Commitments overdue"))!.text;
    expect(digest).toContain(`⚠️ Commitments overdue\n• CM-${forumId}-2 «Repair the road to the health centre.» — due `);
    expect(digest).toContain(`🗓 Commitments due soon\n• ${soon.reference} «`);
    expect(digest).toContain(`✅ Commitments done, and what citizens say\n• ${commitment.reference} «Post the official price list`);
    expect(digest).toContain("— Council says done (");
    expect(digest).toContain("citizens: 5 answered, 3 yes, 1 partly, 1 no");
  });
});
