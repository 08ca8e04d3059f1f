/**
 * Four weeks after a council marks a complaint resolved, its author is asked
 * once whether it is still fixed: "yes" is recorded, "no" reopens it (with a
 * reason, as any reopen) and the council's group hears of it. A reopened,
 * already answered, forgotten or unreachable case is not asked; stale and
 * forged presses get a polite answer. A short job delay stands in for the
 * four weeks.
 */
import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { complaintEvents, complaints, users, type Complaint } from "../../../src/db/schema/index.js";
import { FOLLOW_UP_AFTER_MS, scheduleFollowUp } from "../../../src/features/complaints/jobs.js";
import { useTestEnvironment } from "../../support/env.js";
import { communes } from "../../support/areas.js";
import { useHarness, eventually, type Person, type TestGroup } from "../../support/harness.js";
import { citizen, councilMessageIn, delivered, fileThroughBot, linkTaPhouAndSvayChek } from "./support.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });
let taPhou: TestGroup;
let sophal: Person;
beforeAll(async () => {
  ({ taPhou, sophal } = await linkTaPhouAndSvayChek(h, env));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const row = async (id: number): Promise<Complaint> => (await env.db.select().from(complaints).where(eq(complaints.id, id)))[0]!;
const eventsOf = async (id: number) => env.db.select().from(complaintEvents).where(eq(complaintEvents.complaintId, id)).orderBy(asc(complaintEvents.id));
const questions = (p: Person, reference: string) => p.messages().filter((m) => m.text.startsWith("📅") && m.text.includes(reference));
/** Waits for the one question about the complaint. */
const questionTo = (p: Person, reference: string, timeoutMs?: number) =>
  eventually(() => {
    expect(questions(p, reference)).toHaveLength(1);
    return questions(p, reference)[0]!;
  }, timeoutMs);

/** A complaint filed by `p`, delivered to Ta Phou's group and marked resolved there; the citizen has heard. */
async function resolvedComplaint(p: Person, lang: "km" | "en", text: string): Promise<Complaint> {
  const complaint = await fileThroughBot(env, p, lang, { category: "infrastructure", text });
  const message = await delivered(taPhou, complaint.reference, p);
  await sophal.press("✅ បានដោះស្រាយ", message);
  await eventually(() => expect(p.last().buttons.flat().map((b) => b.data)).toContain(`mc:ok:${complaint.id}`));
  return row(complaint.id);
}

describe("the 4-week follow-up", () => {
  it("is scheduled when the council resolves; asks once; 'yes' is recorded and the complaint stays resolved", async () => {
    const mary = await citizen(h, env, "en", communes.taPhou, { first_name: "Mary" });
    const complaint = await resolvedComplaint(mary, "en", "The village well pump is broken again.");
    const job = await h.app.queues.notify.getJob(`complaint-${complaint.id}-followup`);
    expect(job?.opts.delay).toBe(FOLLOW_UP_AFTER_MS);
    expect(FOLLOW_UP_AFTER_MS).toBe(28 * 86_400_000);

    await scheduleFollowUp(h.app.queues, complaint.id, 100);
    const question = await questionTo(mary, complaint.reference);
    expect(question.text).toBe(`📅 4 weeks ago Ta Phou commune council said your complaint ${complaint.reference} (Building, water, sanitation, electricity, roads) was resolved.\n\nIs it still fixed?`);
    expect(question.buttons.flat().map((b) => [b.text, b.data])).toEqual([
      ["✅ Yes, still fixed", `fu:y:${complaint.id}`],
      ["↩️ No, the problem is back", `fu:n:${complaint.id}`],
    ]);
    // While open, the complaint's page offers the same two answers.
    await mary.send("/mycomplaints");
    await mary.press(new RegExp(complaint.reference));
    expect(mary.buttons()).toEqual(["✅ Yes, still fixed", "↩️ No, the problem is back", "➕ Add information", "⬅️ My complaints"]);

    await mary.press("✅ Yes, still fixed", question);
    expect(mary.last().text).toBe(`👍 Thank you! Good to hear that ${complaint.reference} is still fixed.`);
    expect(mary.messages().find((m) => m.message_id === question.message_id)!.buttons).toEqual([]);
    const answered = await row(complaint.id);
    expect(answered.status).toBe("resolved");
    expect(answered.followUpAnsweredAt).not.toBeNull();
    expect((await eventsOf(complaint.id)).slice(-2).map((e) => [e.kind, e.actorKind])).toEqual([["follow_up", "system"], ["still_fixed", "citizen"]]);

    // A replayed press, the other answer, or the same answer from the page: politely refused, nothing changes.
    await mary.pressData(`fu:y:${complaint.id}`, question);
    expect(mary.toasts().at(-1)).toBe("You have already answered this question. Thank you!");
    await mary.pressData(`fu:n:${complaint.id}`, question);
    expect(mary.toasts().at(-1)).toBe("You have already answered this question. Thank you!");
    expect((await row(complaint.id)).status).toBe("resolved");

    // The job running again asks nothing.
    await scheduleFollowUp(h.app.queues, complaint.id, 50);
    await sleep(600);
    expect(questions(mary, complaint.reference)).toHaveLength(1);
    expect((await eventsOf(complaint.id)).filter((e) => e.kind === "follow_up")).toHaveLength(1);

    await mary.send("/mycomplaints");
    await mary.press(new RegExp(complaint.reference));
    expect(mary.last().text).toContain("Mati asked you whether it is still fixed");
    expect(mary.last().text).toContain("You said it is still fixed");
  });

  it("'no' reopens even a confirmed complaint, with the reason; the council's group is told; not asked again after the next resolution", async () => {
    const sokha = await citizen(h, env, "km", communes.taPhou, { first_name: "Sokha" });
    const complaint = await resolvedComplaint(sokha, "km", "ភ្លើងបំភ្លឺផ្លូវខូច ងងឹតណាស់ពេលយប់។");
    await sokha.press("✅ បាទ/ចាស បានដោះស្រាយ");
    await eventually(async () => expect((await row(complaint.id)).status).toBe("closed"));
    await eventually(() => expect(taPhou.last().text).toContain("ពលរដ្ឋបានបញ្ជាក់ថា"));

    await scheduleFollowUp(h.app.queues, complaint.id, 100);
    const question = await questionTo(sokha, complaint.reference);
    expect(question.text).toBe(
      `📅 កាលពី ៤ សប្ដាហ៍មុន ក្រុមប្រឹក្សាឃុំតាផូ បានប្រាប់ថា បណ្ដឹង ${complaint.reference} (អគារ ទឹក អនាម័យ អគ្គិសនី ឬផ្លូវ) របស់អ្នកត្រូវបានដោះស្រាយហើយ។\n\nតើបញ្ហានេះនៅតែបានដោះស្រាយល្អឬទេ?`,
    );
    await sokha.press("↩️ ទេ បញ្ហាកើតឡើងវិញ", question);
    expect(sokha.last().text).toBe(`តើមានបញ្ហាអ្វីកើតឡើងវិញក្នុង ${complaint.reference}? សូមសរសេរខ្លីៗ ក្រុមប្រឹក្សានឹងអាន៖`);
    await sokha.sendSticker();
    expect(sokha.last().text).toContain("សូមសរសេរជាសារ");
    await sokha.send("ភ្លើងរលត់ម្ដងទៀតតាំងពីសប្ដាហ៍មុន។");
    expect(sokha.last().text).toBe(`↩️ ${complaint.reference} ត្រូវបានបើកឡើងវិញ។ យើងបានជូនដំណឹងដល់ក្រុមប្រឹក្សាហើយ។`);

    const reopened = await row(complaint.id);
    expect(reopened).toMatchObject({ status: "in_progress" });
    expect(reopened.followUpAnsweredAt).not.toBeNull();
    const last = (await eventsOf(complaint.id)).at(-1)!;
    expect(last).toMatchObject({ kind: "status", fromStatus: "closed", toStatus: "in_progress", actorKind: "citizen", note: "ភ្លើងរលត់ម្ដងទៀតតាំងពីសប្ដាហ៍មុន។" });
    // The group hears of it as of any reopen, in the thread, and its buttons come back.
    const notice = await eventually(() => {
      const m = taPhou.messages().find((x) => x.text.includes("ភ្លើងរលត់ម្ដងទៀតតាំងពីសប្ដាហ៍មុន។"));
      expect(m).toBeDefined();
      return m!;
    });
    expect(notice.text).toContain(`↩️ ពលរដ្ឋប្រាប់ថា ${complaint.reference} មិនទាន់បានដោះស្រាយទេ`);
    expect(notice.raw.reply_to_message?.message_id).toBe(councilMessageIn(taPhou, complaint.reference).message_id);
    await eventually(() => expect(councilMessageIn(taPhou, complaint.reference).buttons.flat().map((b) => b.text)).toContain("✅ បានដោះស្រាយ"));
    expect(h.fake.everythingSentTo(taPhou.id)).not.toContain(String(sokha.id));

    // A stale press on the question after the reopen.
    await sokha.pressData(`fu:n:${complaint.id}`, question);
    expect(sokha.toasts().at(-1)).toBe("អ្នកបានឆ្លើយសំណួរនេះរួចហើយ។ សូមអរគុណ!");

    // Resolved again: a new follow-up is scheduled, but the question was asked once and is not asked again.
    await sophal.press("✅ បានដោះស្រាយ", councilMessageIn(taPhou, complaint.reference));
    await eventually(async () => expect(await h.app.queues.notify.getJob(`complaint-${complaint.id}-followup`)).toBeDefined());
    await scheduleFollowUp(h.app.queues, complaint.id, 50);
    await sleep(600);
    expect(questions(sokha, complaint.reference)).toHaveLength(1);
  });

  it("is not asked when the complaint was reopened meanwhile, nor of an author who left or blocked the bot", async () => {
    const vanna = await citizen(h, env, "en", communes.taPhou, { first_name: "Vanna" });
    const reopenedEarly = await resolvedComplaint(vanna, "en", "The school roof still leaks in the rain.");
    await vanna.press("↩️ Not solved");
    await vanna.send("Water still comes through the roof.");
    expect(vanna.last().text).toContain("is open again");
    const gone = await resolvedComplaint(vanna, "en", "Rubbish is dumped behind the market.");
    const blockedCitizen = await citizen(h, env, "en", communes.taPhou, { first_name: "Kosal" });
    const blocked = await resolvedComplaint(blockedCitizen, "en", "The health centre has no clean water.");
    await env.db.update(users).set({ blockedBot: true }).where(eq(users.telegramId, blockedCitizen.id));
    // Vanna's second complaint loses its author (as after /forget).
    await env.db.update(complaints).set({ userId: null }).where(eq(complaints.id, gone.id));

    for (const c of [reopenedEarly, gone, blocked]) await scheduleFollowUp(h.app.queues, c.id, 50);
    await sleep(800);
    expect(vanna.messages().filter((m) => m.text.startsWith("📅"))).toEqual([]);
    expect(blockedCitizen.messages().filter((m) => m.text.startsWith("📅"))).toEqual([]);
    for (const c of [reopenedEarly, gone, blocked]) expect((await row(c.id)).followUpAskedAt).toBeNull();

    // Resolved again later: then the question comes, four weeks after that resolution.
    await eventually(() => expect(councilMessageIn(taPhou, reopenedEarly.reference).buttons.flat().map((b) => b.text)).toContain("✅ បានដោះស្រាយ"));
    await sophal.press("✅ បានដោះស្រាយ", councilMessageIn(taPhou, reopenedEarly.reference));
    await eventually(async () => expect((await h.app.queues.notify.getJob(`complaint-${reopenedEarly.id}-followup`))?.opts.delay).toBe(FOLLOW_UP_AFTER_MS));
    await scheduleFollowUp(h.app.queues, reopenedEarly.id, 50);
    await eventually(() => expect(questions(vanna, reopenedEarly.reference)).toHaveLength(1));
  });

  it("asks once through a passing failure to send; stale and forged presses are answered politely", async () => {
    const bopha = await citizen(h, env, "en", communes.taPhou, { first_name: "Bopha" });
    const complaint = await resolvedComplaint(bopha, "en", "The road to the pagoda is flooded again.");
    await sleep(300); // the resolved notice and the group's update are out
    h.fake.failNext("sendMessage", 502, "Bad Gateway");
    await scheduleFollowUp(h.app.queues, complaint.id, 50);
    const question = await questionTo(bopha, complaint.reference, 15_000);
    expect((await eventsOf(complaint.id)).filter((e) => e.kind === "follow_up")).toHaveLength(1);

    // Forged: unknown complaint, someone else's, one never asked, nonsense.
    await bopha.pressData("fu:y:999999", question);
    expect(bopha.toasts().at(-1)).toBe("This complaint was not found.");
    const stranger = await citizen(h, env, "en", communes.treas);
    await stranger.send("/mycomplaints");
    await stranger.pressData(`fu:n:${complaint.id}`);
    expect(stranger.toasts().at(-1)).toBe("This complaint was not found.");
    const fresh = await fileThroughBot(env, bopha, "en", { category: "safety", text: "Cattle thieves came again last night." });
    await bopha.pressData(`fu:y:${fresh.id}`, question);
    expect(bopha.toasts().at(-1)).toBe("This button has expired.");
    await bopha.pressData(`fu:z:${complaint.id}`, question);
    expect(bopha.toasts().at(-1)).toBe("This button has expired.");
    expect((await row(complaint.id)).followUpAnsweredAt).toBeNull();

    // "No", then /cancel at the reason: still open; the complaint's page answers it later.
    await bopha.press("↩️ No, the problem is back", question);
    await bopha.send("/cancel");
    expect((await row(complaint.id)).status).toBe("resolved");
    await bopha.send("/mycomplaints");
    await bopha.press(new RegExp(complaint.reference));
    await bopha.press("↩️ No, the problem is back");
    await bopha.send("The water is back on the road since Monday.");
    expect(bopha.last().text).toContain("is open again");
    expect(await env.db.select().from(complaintEvents).where(and(eq(complaintEvents.complaintId, complaint.id), eq(complaintEvents.toStatus, "in_progress")))).toHaveLength(1);
    // Every press was answered.
    const answered = new Set(h.fake.callsTo("answerCallbackQuery").map((c) => c.params.callback_query_id));
    expect(answered.size).toBe(h.fake.callsTo("answerCallbackQuery").length);
  });
});
