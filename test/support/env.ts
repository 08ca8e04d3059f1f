/**
 * Per test file: its own database (cloned from the run's migrated template)
 * and its own Redis key prefix, removed after the file's tests.
 */
import { afterAll, beforeAll, inject } from "vitest";
import postgres from "postgres";
import { Redis } from "ioredis";
import { loadConfig, type Config } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { TEST_TOKEN } from "./fake-telegram.js";
import { adminDatabaseUrl, databaseUrlFor, redisUrl } from "./urls.js";

export interface TestEnvironment {
  databaseUrl: string;
  redisPrefix: string;
  /** A direct connection for assertions and seeding. */
  db: Database;
  sql: postgres.Sql;
  redis: Redis;
  /** The app's configuration for this file, with overrides. */
  config(overrides?: Record<string, string>): Config;
}

let fileCounter = 0;

export function useTestEnvironment(): TestEnvironment {
  const env = {} as TestEnvironment;
  let admin: postgres.Sql;
  let name: string;
  let closeDb: () => Promise<void>;

  beforeAll(async () => {
    const runId = inject("runId");
    name = `${runId}_${process.pid}_${++fileCounter}`;
    admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${inject("templateDatabase")}"`);
    const { db, sql } = createDatabase(databaseUrlFor(name), { max: 4 });
    closeDb = () => sql.end({ timeout: 5 });
    Object.assign(env, {
      databaseUrl: databaseUrlFor(name),
      redisPrefix: name,
      db,
      sql,
      redis: new Redis(redisUrl()),
      config: (overrides: Record<string, string> = {}) =>
        loadConfig({
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
        }),
    });
  });

  afterAll(async () => {
    if (!admin) return;
    await closeDb?.();
    let cursor = "0";
    do {
      const [next, keys] = await env.redis.scan(cursor, "MATCH", `${name}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await env.redis.del(...keys);
    } while (cursor !== "0");
    await env.redis.quit();
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  return env;
}
