import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { enqueueMessage } from "../../src/features/notify/jobs.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram, testBotInfo } from "../support/fake-telegram.js";
import { eventually, useHarness } from "../support/harness.js";
import { communes } from "../support/areas.js";
import { returningCitizen } from "../support/onboarding.js";
import { fileThroughBot } from "../features/complaints/support.js";

const PASSWORD = "correct-horse-battery";
const env = useTestEnvironment();
// Worker role: HTTP and workers run, no polling; updates are handed to the bot directly.
const h = useHarness(env, { overrides: { ROLE: "worker", ADMIN_HTTP_PASSWORD: PASSWORD } });
beforeAll(() => h.app.start());

const base = () => `http://127.0.0.1:${h.app.address!.port}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** One sample's value from the Prometheus text (0 when the series does not exist yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

async function scrape(): Promise<string> {
  const response = await fetch(`${base()}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return response.text();
}

describe("/metrics", () => {
  it("shows live figures after traffic: updates, conversations, a job, deliveries, a 429", async () => {
    const before = await scrape();
    expect(sample(before, "mati_updates_total", { type: "message" })).toBe(0);
    expect(before).toContain("mati_process_resident_memory_bytes");

    const sokha = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
    await fileThroughBot(env, sokha, "en", { category: "other", text: "The street light at the market is broken." });
    await sokha.send("/complain");
    await sokha.send("/cancel");
    await sokha.send("/menu");

    // Queued sends: one that Telegram answers with 429 first, one to a chat that blocked the bot.
    const vanna = await returningCitizen(h, env.db, { lang: "en" });
    const blocked = await returningCitizen(h, env.db, { lang: "en" });
    h.fake.block(blocked.chat.id);
    h.fake.failNext("sendMessage", 429, "Too Many Requests: retry after 1", 1, 1);
    await enqueueMessage(h.app.queues, { chatId: vanna.chat.id, text: "Hello from the queue" });
    await eventually(() => expect(vanna.last().text).toBe("Hello from the queue"), 15_000);
    await enqueueMessage(h.app.queues, { chatId: blocked.chat.id, text: "Nobody will read this" });

    const after = await eventually(async () => {
      const text = await scrape();
      expect(sample(text, "mati_deliveries_total", { outcome: "blocked" })).toBe(1);
      expect(sample(text, "mati_jobs", { queue: "notify", state: "failed" })).toBe(1);
      return text;
    });
    const messages = sample(after, "mati_updates_total", { type: "message" });
    expect(messages).toBeGreaterThanOrEqual(6); // /complain, the text, Skip (place), /complain, /cancel, /menu
    expect(sample(after, "mati_updates_total", { type: "callback_query" })).toBeGreaterThanOrEqual(4);
    expect(sample(after, "mati_update_duration_seconds_count", { type: "message" })).toBe(messages);
    expect(sample(after, "mati_update_errors_total", { type: "message" })).toBe(0);
    expect(sample(after, "mati_conversations_total", { conversation: "complain", event: "started" })).toBe(2);
    expect(sample(after, "mati_conversations_total", { conversation: "complain", event: "completed" })).toBe(1);
    expect(sample(after, "mati_conversations_total", { conversation: "complain", event: "abandoned" })).toBe(1);
    expect(sample(after, "mati_deliveries_total", { outcome: "sent" })).toBeGreaterThanOrEqual(1);
    // The 429 was counted, then auto-retry waited retry_after and the send went through.
    expect(sample(after, "mati_telegram_429_total")).toBe(1);
    expect(sample(after, "mati_jobs_processed_total", { queue: "notify", name: "send-message", outcome: "completed" })).toBe(1);
    expect(sample(after, "mati_jobs_processed_total", { queue: "notify", name: "send-message", outcome: "failed" })).toBe(1);
    expect(sample(after, "mati_job_duration_seconds_count", { queue: "notify", name: "send-message" })).toBe(2);
    // Read from BullMQ at scrape time: the blocked send failed for good, nothing waits.
    expect(sample(after, "mati_jobs", { queue: "notify", state: "failed" })).toBe(1);
    expect(sample(after, "mati_jobs", { queue: "notify", state: "waiting" })).toBe(0);
    expect(after).toMatch(/mati_jobs\{queue="broadcast",state="completed"\} 0/);
    // No person, chat or complaint appears in any label.
    // As a whole number: byte counts such as 150000000 contain the digits of an id by chance.
    expect(after).not.toMatch(new RegExp(`(?<![0-9])${sokha.id}(?![0-9])`));
    expect(after).not.toMatch(/MT-\d{4}/);
  });
});

describe("the queue dashboard", () => {
  it("asks for the password, refuses a wrong one, and opens with the right one", async () => {
    const none = await fetch(`${base()}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic /);
    const wrong = await fetch(`${base()}/admin/queues`, { headers: { authorization: basic("admin", "correct-horse-battery!") } });
    expect(wrong.status).toBe(401);
    const wrongUser = await fetch(`${base()}/admin/queues`, { headers: { authorization: basic("root", PASSWORD) } });
    expect(wrongUser.status).toBe(401);
    const page = await fetch(`${base()}/admin/queues`, { headers: { authorization: basic("admin", PASSWORD) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    const api = await fetch(`${base()}/admin/queues/api/queues`, { headers: { authorization: basic("admin", PASSWORD) } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual([...Object.keys(h.app.queues)].sort());
  });

  it("does not exist when no password is configured", async () => {
    const fake = new FakeTelegram();
    const app = await createApp(env.config({ ROLE: "worker", REDIS_PREFIX: `${env.redisPrefix}_b` }), { botInfo: testBotInfo, client: { fetch: fake.fetch as never } });
    try {
      await app.start();
      const response = await fetch(`http://127.0.0.1:${app.address!.port}/admin/queues`, { headers: { authorization: basic("admin", PASSWORD) } });
      expect(response.status).toBe(404);
    } finally {
      await app.stop();
    }
  });
});
