/**
 * Two Mati instances behind one webhook URL (a round-robin load balancer),
 * each also running the workers, sharing Postgres and Redis: one person's
 * updates land on either and the conversation advances step by step; two
 * updates of one chat arriving at both at once are handled one after the
 * other (a per-chat Redis lock), and a redelivered twin once; a forum
 * reminder reaches each person once.
 */
import { eq } from "drizzle-orm";
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { complaints, ratings, users } from "../../src/db/schema/index.js";
import { broadcastSummary } from "../../src/features/broadcast/engine.js";
import { createForum, publishForum, recordRsvp } from "../../src/features/forums/forums.js";
import { communes, seedSmallGazetteer } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { eventually, type Person } from "../support/harness.js";
import { startLoadBalancer, type LoadBalancer } from "../support/load-balancer.js";
import { freePort } from "../support/process.js";
import { wireCitizen } from "../support/wire.js";

const env = useTestEnvironment();
const fake = new FakeTelegram();
const secret = "secret-of-the-two-instances";
let api: Awaited<ReturnType<FakeTelegram["listen"]>>;
let lb: LoadBalancer;
const apps: App[] = [];
const hooks: string[] = [];

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  api = await fake.listen();
  lb = await startLoadBalancer(() => hooks);
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    hooks.push(`http://127.0.0.1:${port}`);
    const app = await createApp(env.config({ TELEGRAM_API_ROOT: api.apiRoot, WEBHOOK_URL: `${lb.url}/telegram/hook`, WEBHOOK_SECRET: secret, PORT: String(port) }));
    await app.start();
    apps.push(app);
  }
});
afterAll(async () => {
  for (const app of apps) await app.stop();
  await lb?.close();
  await api?.close();
});

/** Posts straight to one instance, as Telegram (or a retry) might while the other is busy with the same chat. */
async function postTo(instance: number, update: Update): Promise<number> {
  const response = await fetch(`${hooks[instance]}/telegram/hook`, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret },
    body: JSON.stringify(update),
  });
  return response.status;
}

async function userId(p: Person): Promise<number> {
  const [row] = await env.db.select({ id: users.id }).from(users).where(eq(users.telegramId, p.id));
  return row!.id;
}

describe("two bot instances behind one webhook URL", () => {
  it("one person's rating advances step by step while the updates alternate between them, and is saved once", async () => {
    const p = await wireCitizen(fake, env.db, { lang: "en", communeCode: communes.taPhou });
    const routedBefore = lb.routed.length;
    await p.send("/rate");
    await p.press("Commune/sangkat office");
    const progress = [p.last().text.match(/\d\/7/)?.[0]];
    for (const face of ["😀", "🙂", "😐", "🙁", "😠", "🙂"]) {
      await p.press(new RegExp(`^${face}`));
      progress.push(p.last().text.match(/\d\/7/)?.[0]);
    }
    expect(progress).toEqual(["1/7", "2/7", "3/7", "4/7", "5/7", "6/7", "7/7"]);
    await p.press("No");
    await p.press("✅ Send");
    expect(p.last().text).toContain("Thank you! Your rating is saved");
    // Both instances took part, in turn.
    expect(new Set(lb.routed.slice(routedBefore))).toEqual(new Set([0, 1]));
    expect(await env.db.select().from(ratings).where(eq(ratings.raterUserId, await userId(p)))).toHaveLength(1);
  });

  it("two photos of one album reaching both instances at the same moment both count", async () => {
    const p = await wireCitizen(fake, env.db, { lang: "en", communeCode: communes.taPhou });
    await p.send("/complain");
    await p.pressData("cf:cat:extra_fees", p.messages().findLast((m) => m.buttons.length > 0));
    await p.pressData("cf:svc:health_centre", p.last());
    await p.send("The nurse asked 20,000 riel for a vaccination that is free.");
    expect(p.last().text).toContain("You can add up to");

    // Each photo's answer takes a while: without a lock, both instances would read the state with no photo.
    fake.latency.set("sendMessage", 300);
    const photo = () => {
      const fileId = fake.newFileId();
      return fake.messageFrom(p.user, p.chat, { photo: [{ file_id: fileId, file_unique_id: fileId, width: 800, height: 600 }] });
    };
    const statuses = await Promise.all([postTo(0, photo()), postTo(1, photo())]);
    fake.latency.delete("sendMessage");
    expect(statuses).toEqual([200, 200]);
    expect(p.messages().filter((m) => m.text.startsWith("Received:")).map((m) => m.text.slice(0, 22))).toEqual(["Received: 1 photo(s), ", "Received: 2 photo(s), "]);

    await p.press("✅ Done");
    await p.send("⏭ Skip");
    await p.press("🙈 Anonymous");
    await p.press("🔒 No, only the council sees the text");
    await p.press("✅ Send");
    const [filed] = await env.db.select().from(complaints).where(eq(complaints.userId, await userId(p)));
    expect(filed!.photoFileIds).toHaveLength(2);
  });

  it("the same update reaching both instances at once (a redelivery racing the original) is handled once", async () => {
    const user = fake.newUser({ language_code: "en" });
    const chat = fake.addPrivateChat(user);
    fake.latency.set("sendMessage", 300);
    const update = fake.messageFrom(user, chat, { text: "/start" });
    const statuses = await Promise.all([postTo(0, update), postTo(1, update)]);
    fake.latency.delete("sendMessage");
    expect(statuses).toEqual([200, 200]);
    expect(fake.chatMessages(chat.id).filter((m) => m.raw.from?.is_bot)).toHaveLength(1);
  });
});

describe("two workers", () => {
  it("send a forum's reminder to each person once", async () => {
    const people = await Promise.all([0, 1, 2].map(() => wireCitizen(fake, env.db, { lang: "en", communeCode: communes.treas })));
    const forum = await createForum(env.db, {
      type: "commune_forum",
      titleEn: "Treas commune forum",
      startsAt: new Date(Date.now() + 5_000),
      venue: "Commune hall",
      areaCodes: [communes.treas],
      reminderOffsets: ["PT3S"],
    });
    const deps = { config: env.config(), db: apps[0]!.db, redis: apps[0]!.redis, queues: apps[0]!.queues, log: apps[0]!.log };
    const { broadcast } = await publishForum(deps, forum.id);
    await eventually(async () => expect((await broadcastSummary(env.db, broadcast.id))!.sent).toBe(3));
    for (const p of people) expect((await recordRsvp(env.db, forum.id, await userId(p), "yes")).ok).toBe(true);

    const reminders = (p: Person) => fake.callsTo("sendMessage").filter((c) => Number(c.params.chat_id) === p.id && String(c.params.text).startsWith("⏰"));
    await eventually(() => {
      for (const p of people) expect(reminders(p)).toHaveLength(1);
    }, 15_000);
    await new Promise((r) => setTimeout(r, 1_500));
    for (const p of people) expect(reminders(p)).toHaveLength(1);
  });
});
