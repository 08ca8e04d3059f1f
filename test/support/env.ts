/**
 * Per test file: its own database (cloned from the run's migrated template)
 * and its own Redis key prefix, removed after the file's tests.
 */
import { afterAll, beforeAll, inject } from "vitest";
import postgres from "postgres";
import { Redis } from "ioredis";
import type { Config } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { adminDatabaseUrl, configFor, databaseUrlFor, redisUrl } from "./urls.js";
import { deleteRedisKeys } from "./scratch.js";

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
      config: (overrides: Record<string, string> = {}) => configFor(name, overrides),
    });
  });

  afterAll(async () => {
    if (!admin) return;
    await closeDb?.();
    await deleteRedisKeys(env.redis, name);
    await env.redis.quit();
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  return env;
}
