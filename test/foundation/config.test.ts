import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { startMati } from "../support/process.js";

const valid = { BOT_TOKEN: "123456:ABCdefGhIJKlmNoPQRstuVWXyz012345", DATABASE_URL: "postgres://postgres@127.0.0.1:5432/mati" };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected the configuration to be refused");
}

describe("configuration", () => {
  it("fills in defaults for everything optional", () => {
    const config = loadConfig({ BOT_TOKEN: valid.BOT_TOKEN });
    expect(config).toMatchObject({
      TELEGRAM_API_ROOT: "https://api.telegram.org",
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/mati",
      DATABASE_PREPARE: true,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_PREFIX: "mati",
      ADMIN_TELEGRAM_IDS: [],
      PORT: 3000,
      LOG_LEVEL: "info",
      TIMEZONE: "Asia/Phnom_Penh",
      ROLE: "all",
    });
  });

  it("parses admin ids and drops a trailing slash from the API root", () => {
    const config = loadConfig({ ...valid, ADMIN_TELEGRAM_IDS: " 111, 222 ,", TELEGRAM_API_ROOT: "http://127.0.0.1:8081/" });
    expect(config.ADMIN_TELEGRAM_IDS).toEqual([111, 222]);
    expect(config.TELEGRAM_API_ROOT).toBe("http://127.0.0.1:8081");
  });

  it("lists every problem at once, each with a hint", () => {
    const found = problems({
      DATABASE_URL: "nonsense",
      REDIS_URL: "http://wrong",
      ADMIN_TELEGRAM_IDS: "12,abc",
      PORT: "seventy",
      TIMEZONE: "Mars/Olympus",
      WEBHOOK_URL: "https://mati.example.org/hook",
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^BOT_TOKEN: required: create a bot with @BotFather/),
        expect.stringMatching(/^DATABASE_URL: must be a URL like postgres:\/\//),
        expect.stringMatching(/^REDIS_URL: must be a URL like redis:\/\//),
        expect.stringMatching(/^ADMIN_TELEGRAM_IDS: "abc" is not a Telegram user id/),
        expect.stringMatching(/^PORT: must be a port number/),
        expect.stringMatching(/^TIMEZONE: is not an IANA time zone/),
        expect.stringMatching(/^WEBHOOK_SECRET: required when WEBHOOK_URL is set/),
      ]),
    );
  });

  it("treats blank values as unset and rejects a malformed token", () => {
    expect(problems({ ...valid, BOT_TOKEN: "   " })[0]).toMatch(/^BOT_TOKEN: required/);
    expect(problems({ ...valid, BOT_TOKEN: "not-a-token" })[0]).toMatch(/^BOT_TOKEN: does not look like a token/);
  });

  it("npm start without BOT_TOKEN prints a plain message and exits 2", async () => {
    const mati = startMati({ DATABASE_URL: valid.DATABASE_URL });
    const { code } = await mati.exited;
    expect(code).toBe(2);
    expect(mati.output()).toContain("BOT_TOKEN: required: create a bot with @BotFather");
    expect(mati.output()).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it("npm start with DATABASE_URL=nonsense prints a plain message and exits 2", async () => {
    const mati = startMati({ BOT_TOKEN: valid.BOT_TOKEN, DATABASE_URL: "nonsense" });
    const { code } = await mati.exited;
    expect(code).toBe(2);
    expect(mati.output()).toMatch(/DATABASE_URL: must be a URL like postgres:\/\/postgres@127\.0\.0\.1:5432\/mati/);
  });
});
