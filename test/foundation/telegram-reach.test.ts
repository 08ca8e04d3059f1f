/**
 * A Bot API call that fails on the network is logged before auto-retry waits
 * to try it again: a bot that cannot reach Telegram says so instead of
 * looking hung. (getMe at start has its own loop: see process.test.ts.)
 */
import { Writable } from "node:stream";
import { Api, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { reportUnreachable } from "../../src/bot/telegram-reach.js";
import { createLogger } from "../../src/log.js";
import { FakeTelegram, TEST_TOKEN } from "../support/fake-telegram.js";
import { freePort } from "../support/process.js";

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).trim().split("\n")) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger("info", sink), lines };
}

describe("a Bot API call Telegram cannot be reached for", () => {
  it("is logged with its method and reason, never the token or the message, and still fails to its caller", async () => {
    const { log, lines } = capturingLogger();
    const api = new Api(TEST_TOKEN, { apiRoot: `http://127.0.0.1:${await freePort()}` });
    api.config.use(reportUnreachable(TEST_TOKEN, log));
    await expect(api.sendMessage(5000000, "a complaint about the health centre")).rejects.toBeInstanceOf(HttpError);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, method: "sendMessage", msg: "cannot reach Telegram; the call will be tried again" });
    expect(String(lines[0]!.reason)).toMatch(/^ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(TEST_TOKEN.split(":")[1]!);
    expect(logged).not.toContain("health centre");
  });

  it("says nothing when Telegram answers, even with an error of its own", async () => {
    const { log, lines } = capturingLogger();
    const fake = new FakeTelegram();
    const { apiRoot, close } = await fake.listen();
    try {
      const api = new Api(TEST_TOKEN, { apiRoot });
      api.config.use(reportUnreachable(TEST_TOKEN, log));
      await api.getMe();
      await expect(api.sendMessage(42, "to a chat that does not exist")).rejects.toThrow(/chat not found/);
      expect(lines).toEqual([]);
    } finally {
      await close();
    }
  });
});
