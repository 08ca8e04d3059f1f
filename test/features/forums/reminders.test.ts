/**
 * Reminders fire at the right times, to Going and Maybe only; moving a forum
 * reschedules them and tells people; cancelling removes them and tells
 * people; an old reminder job never speaks for a moved or cancelled forum.
 * Time is driven by short offsets (seconds), not by waiting days.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { broadcasts, forums } from "../../../src/db/schema/index.js";
import { broadcastSummary } from "../../../src/features/broadcast/engine.js";
import type { ForumDeps } from "../../../src/features/forums/forums.js";
import { cancelForum, changeForum, createForum, publishForum, recordRsvp, reminderJobId } from "../../../src/features/forums/forums.js";
import { communes, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, eventually, type Harness, type Person } from "../../support/harness.js";
import { registered, userRow } from "../../support/people.js";

const env = useTestEnvironment();
let h: Harness;
let deps: ForumDeps;
let going: Person, maybe: Person, cannot: Person, silent: Person;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h = await createHarness(env);
  h.startWorkers();
  deps = { config: env.config(), db: h.app.db, redis: h.app.redis, queues: h.app.queues, log: h.app.log };
  going = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
  maybe = await registered(env, h, { communeCode: communes.taPhou, language: "km" });
  cannot = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
  silent = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
});
afterAll(() => h.close());

const textsTo = (p: Person, since = 0) =>
  h.fake.calls.slice(since).filter((c) => c.method === "sendMessage" && Number(c.params.chat_id) === p.id).map((c) => ({ text: String(c.params.text), at: c.at }));

async function forumStartingIn(ms: number, offsets: string[]) {
  const forum = await createForum(env.db, {
    type: "dc_forum",
    titleEn: "Svay Chek D&C forum",
    startsAt: new Date(Date.now() + ms),
    venue: "District hall",
    areaCodes: [communes.taPhou],
    reminderOffsets: offsets,
  });
  const { broadcast } = await publishForum(deps, forum.id);
  // Every announcement delivered and recorded before the test goes on.
  await eventually(async () => expect((await broadcastSummary(env.db, broadcast.id))!.sent).toBe(4));
  for (const [p, answer] of [[going, "yes"], [maybe, "maybe"], [cannot, "no"]] as const) {
    expect((await recordRsvp(env.db, forum.id, (await userRow(env, p.id)).id, answer)).ok).toBe(true);
  }
  return forum;
}

describe("reminders", () => {
  it("fire at start − offset, to Going and Maybe only, in their language", async () => {
    const since = h.fake.calls.length;
    const forum = await forumStartingIn(6_000, ["PT4S", "PT2S"]);
    const start = forum.startsAt.getTime();
    await eventually(() => expect(textsTo(going, since).filter((m) => m.text.startsWith("⏰"))).toHaveLength(2), 10_000);
    const reminders = textsTo(going, since).filter((m) => m.text.startsWith("⏰"));
    expect(reminders[0]!.text).toContain("Reminder: the forum starts in 4 seconds");
    expect(reminders[1]!.text).toContain("starts in 2 seconds");
    // On time: not before the moment, and within a second of it (queue, fan-out, send).
    expect(reminders[0]!.at).toBeGreaterThanOrEqual(start - 4_000);
    expect(reminders[0]!.at).toBeLessThan(start - 4_000 + 1_500);
    expect(reminders[1]!.at).toBeGreaterThanOrEqual(start - 2_000);
    await eventually(() => expect(textsTo(maybe, since).filter((m) => m.text.startsWith("⏰"))).toHaveLength(2));
    expect(textsTo(maybe, since).at(-1)!.text).toContain("សូមរំលឹក៖ វេទិកានឹងចាប់ផ្ដើមក្នុងរយៈពេល ២ វិនាទី ទៀត");
    expect(textsTo(cannot, since).filter((m) => m.text.startsWith("⏰"))).toHaveLength(0);
    expect(textsTo(silent, since).filter((m) => m.text.startsWith("⏰"))).toHaveLength(0);
  });

  it("are rescheduled when the forum moves, and followers get an update notice", async () => {
    const since = h.fake.calls.length;
    const forum = await forumStartingIn(5_000, ["PT3S"]);
    const jobId = reminderJobId(forum.id, "PT3S");
    const before = await h.app.queues.reminders.getJob(jobId);
    expect(before!.timestamp + before!.delay).toBeCloseTo(forum.startsAt.getTime() - 3_000, -3);

    const newStart = new Date(Date.now() + 60_000);
    await changeForum(deps, forum.id, { startsAt: newStart });
    const after = await h.app.queues.reminders.getJob(jobId);
    expect(after!.timestamp + after!.delay).toBeCloseTo(newStart.getTime() - 3_000, -3);
    expect(after!.data.startsAt).toBe(newStart.toISOString());

    // Everyone who was told (all four, whatever their answer) hears of the change.
    for (const p of [going, maybe, cannot, silent]) {
      await eventually(() => expect(textsTo(p, since).filter((m) => m.text.startsWith("🔄"))).toHaveLength(1));
    }
    expect(textsTo(going, since).find((m) => m.text.startsWith("🔄"))!.text).toContain("The forum has changed");
    // The old reminder time passes in silence.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(textsTo(going, since).filter((m) => m.text.startsWith("⏰"))).toHaveLength(0);
  });

  it("are removed when the forum is cancelled; followers get a cancellation notice; answers close", async () => {
    const since = h.fake.calls.length;
    const forum = await forumStartingIn(60_000, ["PT50S", "PT30S"]);
    expect(await h.app.queues.reminders.getJob(reminderJobId(forum.id, "PT50S"))).toBeDefined();
    await cancelForum(deps, forum.id);
    expect(await h.app.queues.reminders.getJob(reminderJobId(forum.id, "PT50S"))).toBeUndefined();
    expect(await h.app.queues.reminders.getJob(reminderJobId(forum.id, "PT30S"))).toBeUndefined();
    for (const p of [going, maybe, cannot, silent]) {
      await eventually(() => expect(textsTo(p, since).filter((m) => m.text.startsWith("❌"))).toHaveLength(1));
    }
    expect(textsTo(going, since).find((m) => m.text.startsWith("❌"))!.text).toContain("«Svay Chek D&C forum»");
    expect(textsTo(going, since).find((m) => m.text.startsWith("❌"))!.text).toContain("is cancelled");
    const goingRow = await userRow(env, going.id);
    expect(await recordRsvp(env.db, forum.id, goingRow.id, "yes")).toEqual({ ok: false, reason: "cancelled" });
    await going.pressData(`f:rsvp:${forum.id}:y`, going.last());
    expect(going.toasts().at(-1)).toBe("This forum was cancelled.");
    expect(await cancelForum(deps, forum.id)).toBeUndefined(); // once only
  });

  it("an old reminder job that survived (a restart, a failed removal) stays silent for a moved or cancelled forum", async () => {
    const since = h.fake.calls.length;
    const forum = await forumStartingIn(60_000, ["PT50S"]);
    const oldStart = forum.startsAt.toISOString();
    await changeForum(deps, forum.id, { startsAt: new Date(Date.now() + 120_000) });
    // What a job left from before the move looks like when it comes due.
    await h.app.queues.reminders.add("forum-reminder", { forumId: forum.id, offset: "PT50S", startsAt: oldStart }, { jobId: `forum-${forum.id}-remind-stale` });
    await eventually(async () => expect(await (await h.app.queues.reminders.getJob(`forum-${forum.id}-remind-stale`))!.isCompleted()).toBe(true));
    const job = await h.app.queues.reminders.getJob(`forum-${forum.id}-remind-stale`);
    expect(job!.returnvalue).toEqual({ sent: false, why: "moved" });

    await cancelForum(deps, forum.id);
    const [row] = await env.db.select().from(forums).where(eq(forums.id, forum.id));
    await h.app.queues.reminders.add("forum-reminder", { forumId: forum.id, offset: "PT50S", startsAt: row!.startsAt.toISOString() }, { jobId: `forum-${forum.id}-remind-stale2` });
    await eventually(async () => expect((await h.app.queues.reminders.getJob(`forum-${forum.id}-remind-stale2`))!.returnvalue).toEqual({ sent: false, why: "cancelled" }));
    const reminderBroadcasts = await env.db.select().from(broadcasts).where(eq(broadcasts.forumId, forum.id));
    expect(reminderBroadcasts.filter((b) => b.kind === "forum_reminder")).toHaveLength(0);
    expect(textsTo(going, since).filter((m) => m.text.startsWith("⏰"))).toHaveLength(0);
  });
});
