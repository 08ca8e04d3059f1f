/**
 * The app's Bot API requests go through undici (src/bot/telegram-http.ts):
 * over a real HTTP round trip to the local Bot API, a JSON call, an upload, an
 * error Telegram answers with, a call that takes too long and a server that is
 * not there all reach grammY as they did with its own fetch.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telegramFetch } from "../../src/bot/telegram-http.js";
import { FakeTelegram, TEST_TOKEN } from "../support/fake-telegram.js";
import { freePort } from "../support/process.js";

describe("Bot API calls through undici", () => {
  const fake = new FakeTelegram();
  let apiRoot: string;
  let close: () => Promise<void>;
  let transport: ReturnType<typeof telegramFetch>;
  let api: Api;

  beforeAll(async () => {
    ({ apiRoot, close } = await fake.listen());
    transport = telegramFetch(apiRoot);
    api = new Api(TEST_TOKEN, { apiRoot, fetch: transport.fetch });
  });
  afterAll(async () => {
    await transport.close();
    await close();
  });

  it("sends JSON and reads Telegram's answer, Khmer text intact", async () => {
    const person = fake.newUser();
    fake.addPrivateChat(person);
    const sent = await api.sendMessage(person.id, "សូមវាយតម្លៃមណ្ឌលសុខភាព ✅", { reply_markup: { inline_keyboard: [[{ text: "១", callback_data: "r:1" }]] } });
    expect(sent.text).toBe("សូមវាយតម្លៃមណ្ឌលសុខភាព ✅");
    expect(fake.callsTo("sendMessage").at(-1)!.params).toMatchObject({ chat_id: person.id, reply_markup: { inline_keyboard: [[{ callback_data: "r:1" }]] } });
  });

  it("uploads a file as multipart form data", async () => {
    const person = fake.newUser();
    fake.addPrivateChat(person);
    const bytes = Buffer.from("code,name_km\n010101,ស្រុកមង្គលបូរី\n");
    const sent = await api.sendDocument(person.id, new InputFile(bytes, "export.csv"), { caption: "របាយការណ៍" });
    expect(sent.caption).toBe("របាយការណ៍");
    expect(await fake.uploadedFile(sent.document!.file_id)).toEqual(bytes);
  });

  it("hands Telegram's own errors to grammY with their parameters (a 429's retry_after)", async () => {
    const person = fake.newUser();
    fake.addPrivateChat(person);
    fake.failNext("sendMessage", 429, "Too Many Requests: retry after 7", 1, 7);
    const err = await api.sendMessage(person.id, "hello").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(429);
    expect((err as GrammyError).parameters.retry_after).toBe(7);
    await expect(api.sendMessage(-42, "to nobody")).rejects.toThrow(/chat not found/);
  });

  it("gives up on a call that takes longer than grammY's timeout, and on a server that is not there", async () => {
    const silent = createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const slowRoot = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const slowTransport = telegramFetch(slowRoot);
    try {
      const slow = new Api(TEST_TOKEN, { apiRoot: slowRoot, fetch: slowTransport.fetch, timeoutSeconds: 0.3 });
      const started = performance.now();
      await expect(slow.getMe()).rejects.toBeInstanceOf(HttpError);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
      await slowTransport.destroy();
    }
    const nowhereRoot = `http://127.0.0.1:${await freePort()}`;
    const nowhere = telegramFetch(nowhereRoot);
    try {
      const err = await new Api(TEST_TOKEN, { apiRoot: nowhereRoot, fetch: nowhere.fetch }).getMe().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect(String((err as HttpError).error)).toMatch(/ECONNREFUSED/);
    } finally {
      await nowhere.close();
    }
  });

  it("reports a connection cut mid-call as grammY's HttpError, and the pool goes on with a fresh connection", async () => {
    const person = fake.newUser();
    fake.addPrivateChat(person);
    fake.dropNext("sendMessage");
    const err = await api.sendMessage(person.id, "lost").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((await api.sendMessage(person.id, "next")).text).toBe("next");
  });

  it("keeps the path of an API root that has one (a Bot API server behind a reverse proxy)", async () => {
    const paths: string[] = [];
    const proxy = createServer((req, res) => {
      paths.push(req.url!);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, result: true }));
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const root = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/telegram`;
    const viaProxy = telegramFetch(root);
    try {
      await new Api(TEST_TOKEN, { apiRoot: root, fetch: viaProxy.fetch }).deleteWebhook();
      expect(paths).toEqual([`/telegram/bot${TEST_TOKEN}/deleteWebhook`]);
    } finally {
      await viaProxy.close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
