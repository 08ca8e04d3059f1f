/**
 * Weekly delivery: the scheduler is registered with the configured cron and
 * time zone; at start the last period is caught up; two apps on one
 * environment send one digest; a group that removed the bot is recorded and
 * not retried.
 */
import { and, eq } from "drizzle-orm";
import { UnrecoverableError } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { councils, digestDeliveries } from "../../../src/db/schema/index.js";
import { deliverDigest } from "../../../src/features/digest/deliveries.js";
import { DIGEST_SCHEDULER_ID } from "../../../src/features/digest/jobs.js";
import { lastFullWeek, lastScheduledRun, weekAndBefore } from "../../../src/features/digest/period.js";
import { communes, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { Api } from "grammy";
import { TEST_TOKEN, type FakeTelegram } from "../../support/fake-telegram.js";
import { createHarness, eventually, type Harness } from "../../support/harness.js";
import { linkCouncil, staff } from "../complaints/support.js";

const env = useTestEnvironment();
const tz = "Asia/Phnom_Penh";
const open: Harness[] = [];
/** Telegram outlives our processes: every app in this file talks to one stand-in. */
let fake: FakeTelegram | undefined;
afterAll(async () => {
  for (const h of open) await h.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("weekly digest delivery", () => {
  it("registers the job scheduler with the configured cron and time zone (Monday 08:00 Phnom Penh by default)", async () => {
    const h = await createHarness(env, { DIGEST_CRON: "0 30 7 * * 2", REDIS_PREFIX: `${env.redisPrefix}-cron` });
    open.push(h);
    await h.app.startWorkers();
    expect(await h.app.queues.digest.getJobScheduler(DIGEST_SCHEDULER_ID)).toMatchObject({ pattern: "0 30 7 * * 2", tz });
    const byDefault = env.config();
    expect(byDefault.DIGEST_CRON).toBe("0 0 8 * * 1");
    expect(() => env.config({ DIGEST_CRON: "0 8 * * 1" })).toThrow(/DIGEST_CRON: must be a cron pattern of six fields/);
    await h.close();
    open.pop();
  });

  it("catches up the last week at start, once across two apps and a restart; a group that removed the bot is recorded, not retried", async () => {
    await seedSmallGazetteer(env.db);
    const h1 = await createHarness(env);
    fake = h1.fake;
    open.push(h1);
    const dara = await staff(h1, env);
    const taPhou = h1.group("Ta Phou council");
    const treas = h1.group("Treas council");
    await linkCouncil(dara, taPhou, communes.taPhou);
    await linkCouncil(dara, treas, communes.treas);
    // Both were linked long before the last scheduled run.
    await env.db.update(councils).set({ linkedAt: new Date(Date.now() - 30 * 86_400_000) });
    h1.fake.block(treas.id);
    const callsBeforeBlock = h1.fake.calls.length;
    const before = taPhou.messages().length;

    const h2 = await createHarness(env, {}, { fake: h1.fake });
    open.push(h2);
    await Promise.all([h1.app.startWorkers(), h2.app.startWorkers()]);

    const period = lastFullWeek(lastScheduledRun("0 0 8 * * 1", tz, new Date()), tz).current.key;
    const digestMessages = () => taPhou.messages().slice(before);
    await eventually(() => expect(digestMessages().map((m) => m.kind)).toEqual(["text", "photo"]));
    const [text, photo] = digestMessages();
    expect(text!.text).toContain("📊 សេចក្ដីសង្ខេបប្រចាំសប្ដាហ៍៖ ក្រុមប្រឹក្សាឃុំតាផូ");
    expect(text!.text).toContain("មិនទាន់មានគ្រប់គ្រាន់");
    expect(photo!.raw.reply_to_message?.message_id).toBe(text!.message_id);

    await eventually(async () => {
      const rows = await env.db.select().from(digestDeliveries).orderBy(digestDeliveries.councilAreaCode);
      expect(rows.map((r) => [r.councilAreaCode, r.periodStart, r.status])).toEqual([
        [communes.taPhou, period, "sent"],
        [communes.treas, period, "blocked"],
      ]);
      expect(rows[1]!.error).toMatch(/kicked/);
    });
    // The group that removed the bot is unlinked and was tried once.
    const [treasCouncil] = await env.db.select().from(councils).where(eq(councils.areaCode, communes.treas));
    expect(treasCouncil!.groupChatId).toBeNull();

    // A restart (a third app) and a council job under another id: nothing more is sent.
    await h1.close();
    await h2.close();
    open.length = 0;
    const h3 = await createHarness(env, {}, { fake: h1.fake });
    open.push(h3);
    await h3.app.startWorkers();
    const again = await h3.app.queues.digest.add("digest-council", { areaCode: communes.taPhou, periodKey: period }, { jobId: "digest-again-test" });
    await eventually(async () => expect(await again.isCompleted()).toBe(true));
    expect(again.id).toBeDefined();
    expect((await h3.app.queues.digest.getJob("digest-again-test"))!.returnvalue).toEqual({ sent: false, reason: "already" });
    await sleep(300);
    expect(digestMessages()).toHaveLength(2);
    const triedTreas = h1.fake.calls.slice(callsBeforeBlock).filter((c) => c.method.startsWith("send") && Number(c.params.chat_id) === treas.id);
    expect(triedTreas.map((c) => c.method)).toEqual(["sendMessage"]);
    const treasJob = await h3.app.queues.digest.getJob(`digest-${communes.treas}-${period}`);
    expect(await treasJob!.getState()).toBe("failed");
    expect(treasJob!.attemptsMade).toBe(1);
  });

  it("two senders racing for one council and period: one message", async () => {
    const h = await createHarness(env, {}, { fake });
    open.push(h);
    const [council] = await env.db.select().from(councils).where(eq(councils.areaCode, communes.taPhou));
    const group = council!.groupChatId!;
    const periods = weekAndBefore("2025-11-03", tz);
    const before = h.fake.chatMessages(group).length;
    const send = <T>(fn: () => Promise<T>) => fn();
    const options = { db: env.db, api: h.app.bot.api, send, isFinal: (e: unknown) => e instanceof UnrecoverableError, timeZone: tz };
    const outcomes = await Promise.all([deliverDigest(options, communes.taPhou, periods), deliverDigest(options, communes.taPhou, periods)]);
    expect(outcomes.map((o) => o.sent).sort()).toEqual([false, true]);
    expect(outcomes.find((o) => !o.sent)).toEqual({ sent: false, reason: "already" });
    expect(h.fake.chatMessages(group).length - before).toBe(2);
    const rows = await env.db
      .select()
      .from(digestDeliveries)
      .where(and(eq(digestDeliveries.councilAreaCode, communes.taPhou), eq(digestDeliveries.periodStart, "2025-11-03")));
    expect(rows).toHaveLength(1);
  });

  it("a passing failure leaves the delivery to retry, and the retry sends only what is missing", async () => {
    const h = await createHarness(env, {}, { fake });
    open.push(h);
    const [council] = await env.db.select().from(councils).where(eq(councils.areaCode, communes.taPhou));
    const group = council!.groupChatId!;
    const periods = weekAndBefore("2025-11-10", tz);
    const before = h.fake.chatMessages(group).length;
    // A plain Api (no auto-retry) so that the 500 reaches the delivery.
    const api = new Api(TEST_TOKEN, { fetch: h.fake.fetch as never });
    const options = { db: env.db, api, send: <T>(fn: () => Promise<T>) => fn(), isFinal: () => false, timeZone: tz };
    h.fake.failNext("sendPhoto", 500, "Internal Server Error");
    await expect(deliverDigest(options, communes.taPhou, periods)).rejects.toThrow(/Internal Server Error/);
    const [row] = await env.db.select().from(digestDeliveries).where(eq(digestDeliveries.periodStart, "2025-11-10"));
    expect(row).toMatchObject({ status: "retry", chartMessageId: null });
    expect(row!.textMessageId).not.toBeNull();
    expect(await deliverDigest(options, communes.taPhou, periods)).toMatchObject({ sent: true, textMessageId: row!.textMessageId });
    expect(h.fake.chatMessages(group).slice(before).map((m) => m.kind)).toEqual(["text", "photo"]);
  });
});
