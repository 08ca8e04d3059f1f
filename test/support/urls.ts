import { loadConfig, type Config } from "../../src/config.js";
import { TEST_TOKEN } from "./fake-telegram.js";

/** Where the test run's Postgres and Redis are (the machine's by default). */
export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export function databaseUrlFor(name: string): string {
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export function redisUrl(): string {
  return process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** The app's configuration against database `name` and Redis prefix `name` (tests and benchmarks). */
export function configFor(name: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    BOT_TOKEN: TEST_TOKEN,
    DATABASE_URL: databaseUrlFor(name),
    REDIS_URL: redisUrl(),
    REDIS_PREFIX: name,
    LOG_LEVEL: "silent",
    PORT: "0",
    HOST: "127.0.0.1",
    TELEGRAM_API_ROOT: "http://127.0.0.1:9",
    // Tests tap far faster than people; the flood guard has its own test.
    FLOOD_LIMIT_PER_MINUTE: "100000",
    ...overrides,
  });
}
