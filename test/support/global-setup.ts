/**
 * Once per test run: a template database with every migration applied, so
 * each test file can clone its own in milliseconds. Afterwards every database
 * and Redis key of this run is removed.
 */
import type { TestProject } from "vitest/node";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { Redis } from "ioredis";
import { runMigrations } from "../../src/db/client.js";
import { adminDatabaseUrl, databaseUrlFor, redisUrl } from "./urls.js";
import { deleteRedisKeys } from "./scratch.js";

declare module "vitest" {
  export interface ProvidedContext {
    runId: string;
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `mati_t${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  const templateDatabase = `${runId}_tpl`;
  const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${templateDatabase}"`);
  await runMigrations(databaseUrlFor(templateDatabase));
  project.provide("runId", runId);
  project.provide("templateDatabase", templateDatabase);

  return async () => {
    const leftovers = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE ${runId + "%"}`;
    for (const { datname } of leftovers) await admin.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(redisUrl());
    await deleteRedisKeys(redis, runId);
    await redis.quit();
  };
}
