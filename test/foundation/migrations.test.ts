import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createDatabaseIfMissing, runMigrations } from "../../src/db/client.js";
import { adminDatabaseUrl, databaseUrlFor } from "../support/urls.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

describe("migrations", () => {
  it("build the whole schema on an empty database, and a second run changes nothing", async () => {
    const name = `mati_migrate_${process.pid}_${Date.now()}`;
    const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    const db = postgres(databaseUrlFor(name), { max: 1, onnotice: () => {} });
    try {
      await runMigrations(databaseUrlFor(name));
      const tables = (await db`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`).map((r) => r.table_name);
      expect(tables).toEqual(expect.arrayContaining(["areas", "users"]));
      const applied = await db`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
      await runMigrations(databaseUrlFor(name));
      expect(await db`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`).toEqual(applied);
      expect(applied[0]!.n).toBe(readdirSync(join(repoRoot, "migrations")).filter((f) => f.endsWith(".sql")).length);
    } finally {
      await db.end();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it("start-up creates the database named in DATABASE_URL when it does not exist yet", async () => {
    const name = `mati_fresh_${process.pid}_${Date.now()}`;
    const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
    try {
      expect(await createDatabaseIfMissing(databaseUrlFor(name))).toBe(true);
      expect(await createDatabaseIfMissing(databaseUrlFor(name))).toBe(false);
      expect(await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`).toHaveLength(1);
    } finally {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it("are in step with src/db/schema (drizzle-kit would generate nothing new)", async () => {
    const out = mkdtempSync(join(tmpdir(), "mati-drift-"));
    cpSync(join(repoRoot, "migrations"), join(out, "migrations"), { recursive: true });
    const config = join(out, "drizzle.config.mjs");
    // drizzle-kit only understands an output folder relative to the working directory.
    writeFileSync(
      config,
      `export default { dialect: "postgresql", schema: ${JSON.stringify(join(repoRoot, "src/db/schema/*.ts"))}, out: ${JSON.stringify(relative(repoRoot, join(out, "migrations")))} };\n`,
    );
    const { stdout } = await promisify(execFile)(join(repoRoot, "node_modules/.bin/drizzle-kit"), ["generate", `--config=${config}`], {
      cwd: repoRoot,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/No schema changes/);
    expect(readdirSync(join(out, "migrations")).sort()).toEqual(readdirSync(join(repoRoot, "migrations")).sort());
  });
});
