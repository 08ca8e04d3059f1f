import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { complaintEvents, complaints } from "../../../src/db/schema/index.js";
import { OVERDUE_AFTER_MS, scheduleOverdueCheck } from "../../../src/features/complaints/jobs.js";
import { useTestEnvironment } from "../../support/env.js";
import { communes } from "../../support/areas.js";
import { createHarness, useHarness, eventually, type Person, type TestGroup } from "../../support/harness.js";
import { citizen, councilMessageIn, delivered, fileThroughBot, linkTaPhouAndSvayChek } from "./support.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });
let taPhou: TestGroup;
let svayChek: TestGroup;
let sophal: Person;
beforeAll(async () => {
  ({ taPhou, sophal, svayChek } = await linkTaPhouAndSvayChek(h, env));
});

describe("overdue complaints", () => {
  it("are reminded to their group once and escalated to the district, unless acknowledged", async () => {
    const sokha = await citizen(h, env, "km", communes.taPhou, { first_name: "Sokha", username: "sokha_kh" });
    const late = await fileThroughBot(env, sokha, "km", { category: "infrastructure", text: "អណ្ដូងទឹកនៅភូមិខូច អស់មួយខែហើយ។", anonymous: true });
    const answered = await fileThroughBot(env, sokha, "km", { category: "safety", text: "ភ្លើងបំភ្លឺផ្លូវខូច ងងឹតណាស់ពេលយប់។" });
    const lateMessage = await delivered(taPhou, late.reference);
    await delivered(taPhou, answered.reference);

    // Filing scheduled the check 7 days out, under a deterministic id.
    const job = await h.app.queues.notify.getJob(`complaint-${late.id}-overdue`);
    expect(job?.opts.delay).toBe(OVERDUE_AFTER_MS);
    expect(OVERDUE_AFTER_MS).toBe(7 * 86_400_000);

    // Acknowledging removes the check.
    await sophal.press("👀 ទទួលស្គាល់", councilMessageIn(taPhou, answered.reference));
    await eventually(async () => expect(await h.app.queues.notify.getJob(`complaint-${answered.id}-overdue`)).toBeUndefined());

    // Time passes (a short delay stands in for 7 days); the answered one is re-checked and skipped too.
    await scheduleOverdueCheck(h.app.queues, late.id, 100);
    await scheduleOverdueCheck(h.app.queues, answered.id, 100);
    const reminder = await eventually(() => {
      const m = taPhou.messages().find((x) => x.text.startsWith("⏰") && x.text.includes(late.reference));
      expect(m).toBeDefined();
      return m!;
    });
    expect(reminder.text).toContain("មិនទាន់ត្រូវបានទទួលស្គាល់");
    expect(reminder.raw.reply_to_message?.message_id).toBe(lateMessage.message_id);
    const escalation = await eventually(() => {
      const m = svayChek.messages().find((x) => x.text.startsWith("⏰") && x.text.includes(late.reference));
      expect(m).toBeDefined();
      return m!;
    });
    expect(escalation.text).toContain("ក្រុមប្រឹក្សាឃុំតាផូ មិនទាន់ទទួលស្គាល់");
    expect(escalation.text).toContain("អណ្ដូងទឹកនៅភូមិខូច");
    expect(escalation.buttons).toEqual([]);
    expect(h.fake.everythingSentTo(svayChek.id)).not.toContain("sokha_kh");

    // Once only, even if the check runs again.
    await scheduleOverdueCheck(h.app.queues, late.id, 50);
    await new Promise((r) => setTimeout(r, 600));
    expect(taPhou.messages().filter((x) => x.text.startsWith("⏰"))).toHaveLength(1);
    expect(svayChek.messages().filter((x) => x.text.startsWith("⏰"))).toHaveLength(1);
    const overdueEvents = await env.db.select().from(complaintEvents).where(eq(complaintEvents.kind, "overdue"));
    expect(overdueEvents.map((e) => e.complaintId)).toEqual([late.id]);
    const [stillNew] = await env.db.select().from(complaints).where(and(eq(complaints.id, late.id)));
    expect(stillNew!.status).toBe("new");
  });
});

describe("a restart between two steps", () => {
  it("resumes the conversation where the citizen was", async () => {
    const first = await createHarness(env);
    const vanna = await citizen(first, env, "en", communes.taPhou, { first_name: "Vanna" });
    await vanna.send("/complain");
    await vanna.press("Safety and public order");
    await vanna.press("None of these / not a service");
    expect(vanna.last().text).toContain("Write what happened");
    await first.close();

    // Another process, same database and Redis.
    const second = await createHarness(env);
    try {
      const again = second.person({ ...vanna.user });
      await again.send("Motorbikes race on the school road every evening.");
      expect(again.last().text).toContain("up to 3 photos");
      await again.press("⏭ Skip");
      await again.send("⏭ Skip");
      await again.press("🙈 Anonymous");
      await again.press("🔒 No, only the council sees the text");
      expect(again.last().text).toContain("Problem: Safety and public order");
      await again.press("✅ Send");
      expect(again.last().text).toMatch(/MT-\d{4}-\d{6}/);
      const reference = /MT-\d{4}-\d{6}/.exec(again.last().text)![0];
      const [row] = await env.db.select().from(complaints).where(eq(complaints.reference, reference));
      expect(row).toMatchObject({ category: "safety", serviceKey: null, anonymous: true, publishText: false, description: "Motorbikes race on the school road every evening." });
      await delivered(taPhou, reference);
    } finally {
      await second.close();
    }
  });
});
