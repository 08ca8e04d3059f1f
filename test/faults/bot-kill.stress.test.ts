/**
 * The bot process killed outright (SIGKILL: the OOM killer, a power cut, a
 * host reboot) in the middle of a rating and of a complaint, then started
 * again: the person goes on at the step they were at, and what they send is
 * saved once, also when the kill lands after the save and before the answer.
 * Real processes (src/main.ts) long polling the local Bot API over HTTP.
 */
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { complaintEvents, complaints, ratings, ratingScores, users } from "../../src/db/schema/index.js";
import { communes, seedSmallGazetteer } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { eventually, type Person } from "../support/harness.js";
import { startMatiFor, type MatiProcess } from "../support/process.js";
import { redisUrl } from "../support/urls.js";
import { wireCitizen } from "../support/wire.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
let running: MatiProcess | undefined;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  api = await fake.listen();
});
afterAll(async () => {
  await running?.hardKill();
  await api.close();
});

async function start(): Promise<MatiProcess> {
  running = await startMatiFor({ ...env, redisUrl: redisUrl(), apiRoot: api.apiRoot }, { FLOOD_LIMIT_PER_MINUTE: "100000" });
  return running;
}

async function userIdOf(p: Person): Promise<number> {
  const [row] = await env.db.select({ id: users.id }).from(users).where(eq(users.telegramId, p.id));
  return row!.id;
}

describe("SIGKILL in the middle of a rating", () => {
  it("goes on at the same question after a restart, and the rating is saved once though the kill came between the save and the thanks", async () => {
    const p = await wireCitizen(fake, env.db, { lang: "en", communeCode: communes.taPhou });
    const first = await start();
    await p.send("/rate");
    await p.press("Commune/sangkat office");
    await p.press(/^😀/);
    await p.press(/^🙂/);
    const panel = p.last();
    expect(panel.text).toContain("3/7");

    await first.hardKill();
    const second = await start();
    // The same question, on the same message: the next answer moves it on.
    await p.press(/^😐/);
    expect(p.last().message_id).toBe(panel.message_id);
    expect(p.last().text).toContain("4/7");
    for (const face of ["🙁", "😠", "🙂"]) await p.press(new RegExp(`^${face}`));
    await p.press("No");
    expect(p.last().text).toContain("Please check your answers");

    // Send is pressed; the rating is committed; the thanks is on its way when the process dies.
    fake.latency.set("editMessageText", 5_000);
    const send = p.last().buttons.flat().find((b) => b.text === "✅ Send")!;
    const press = fake.callbackFrom(p.user, p.last(), send.data!);
    await fake.pushUpdate(press);
    const rater = await userIdOf(p);
    await eventually(async () => expect(await env.db.select().from(ratings).where(eq(ratings.raterUserId, rater))).toHaveLength(1), 15_000);
    await second.hardKill();
    fake.latency.delete("editMessageText");

    const third = await start();
    // The press was never confirmed: the new process handles it (once the dead one's claim on it has run out),
    // finds the saved rating and thanks.
    await eventually(() => expect(fake.confirmedOffset).toBeGreaterThan(press.update_id), 40_000);
    expect(p.last().text).toContain("Thank you! Your rating is saved");
    const saved = await env.db.select().from(ratings).where(eq(ratings.raterUserId, rater));
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ service: "commune_office", supersededAt: null });
    expect(p.last().text).not.toContain("replaces");
    const scores = await env.db.select().from(ratingScores).where(eq(ratingScores.ratingId, saved[0]!.id));
    expect(scores.map((s) => s.score).sort()).toEqual([1, 2, 3, 4, 4, 5]);
    third.child.kill("SIGTERM");
    expect((await third.exited).code).toBe(0);
  });
});

describe("SIGKILL in the middle of a complaint", () => {
  it("goes on at the photos step after a restart; Send pressed just before a kill is not lost and files the complaint once", async () => {
    const p = await wireCitizen(fake, env.db, { lang: "en", communeCode: communes.taPhou, first_name: "Sreymom" });
    const first = await start();
    await p.send("/complain");
    await p.pressData("cf:cat:extra_fees", p.messages().findLast((m) => m.buttons.length > 0));
    await p.pressData("cf:svc:health_centre", p.last());
    await p.send("The nurse asked 20,000 riel for a vaccination that is free.");
    expect(p.last().text).toContain("You can add up to");

    await first.hardKill();
    const second = await start();
    await p.sendPhoto();
    expect(p.last().text).toContain("Received: 1 photo(s)");
    await p.press("✅ Done");
    await p.send("⏭ Skip");
    await p.press("👤 With my first name");
    await p.press("🔒 No, only the council sees the text");
    expect(p.messages().some((m) => m.text.startsWith("Please check your complaint"))).toBe(true);

    // Send is pressed; the process dies while it is still taking the buttons off the summary, before filing.
    fake.latency.set("editMessageReplyMarkup", 5_000);
    const summary = p.messages().findLast((m) => m.text.startsWith("Please check your complaint"))!;
    const press = fake.callbackFrom(p.user, summary, "cf:send:ok");
    const edits = fake.callsTo("editMessageReplyMarkup").length;
    await fake.pushUpdate(press);
    await eventually(() => expect(fake.callsTo("editMessageReplyMarkup").length).toBeGreaterThan(edits), 15_000);
    await second.hardKill();
    fake.latency.delete("editMessageReplyMarkup");
    const owner = await userIdOf(p);
    expect(await env.db.select().from(complaints).where(eq(complaints.userId, owner))).toHaveLength(0);

    const third = await start();
    // The press was never confirmed: the new process handles it and files the complaint.
    await eventually(() => expect(fake.confirmedOffset).toBeGreaterThan(press.update_id), 40_000);
    const [filed] = await env.db.select().from(complaints).where(eq(complaints.userId, owner));
    expect(filed).toBeDefined();
    await eventually(() => expect(p.messages().filter((m) => m.text.includes(filed!.reference)).length).toBeGreaterThan(0));
    // One complaint, one first event, one photo; every answer the person got names the same reference.
    expect(await env.db.select().from(complaints).where(eq(complaints.userId, owner))).toHaveLength(1);
    expect(filed!.photoFileIds).toHaveLength(1);
    const [events] = await env.db.select({ n: count() }).from(complaintEvents).where(eq(complaintEvents.complaintId, filed!.id));
    expect(events!.n).toBe(1);
    const references = p.messages().flatMap((m) => m.text.match(/MT-\d{4}-\d{6}/g) ?? []);
    expect(new Set(references)).toEqual(new Set([filed!.reference]));
    third.child.kill("SIGTERM");
    expect((await third.exited).code).toBe(0);
  });
});
