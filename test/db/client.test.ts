/**
 * The app's drizzle client prepares its statements (src/db/client.ts): a query
 * run again is executed from the statement its connection already holds,
 * instead of being parsed and described again in a round trip of its own.
 * Asked of Postgres itself, on the one connection of a pool of one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, inArray, sql } from "drizzle-orm";
import { createDatabase, type Database } from "../../src/db/client.js";
import { users } from "../../src/db/schema/index.js";
import { useTestEnvironment } from "../support/env.js";

const env = useTestEnvironment();
let db: Database;
let close: () => Promise<void>;

beforeAll(() => {
  const created = createDatabase(env.databaseUrl, { max: 1 });
  db = created.db;
  close = () => created.sql.end({ timeout: 5 });
});
afterAll(() => close?.());

/** The statements prepared on this connection that read the users table. */
async function preparedOnUsers(on: Pick<Database, "execute"> = db): Promise<string[]> {
  const rows = await on.execute<{ statement: string }>(sql`select statement from pg_prepared_statements where statement like '%from "users"%'`);
  return [...rows].map((r) => r.statement);
}

describe("the app's database client", () => {
  it("prepares a query the first time and executes the same statement after that", async () => {
    await db.insert(users).values({ telegramId: 5501, firstName: "Sokha", language: "km" });
    const lookup = (telegramId: number) => db.select({ firstName: users.firstName }).from(users).where(eq(users.telegramId, telegramId));
    expect(await lookup(5501)).toEqual([{ firstName: "Sokha" }]);
    expect(await lookup(5502)).toEqual([]);
    expect(await lookup(5501)).toEqual([{ firstName: "Sokha" }]);
    const prepared = (await preparedOnUsers()).filter((s) => s.includes('"telegram_id" = $1'));
    expect(prepared).toHaveLength(1);
  });

  it("does the same inside a transaction and a savepoint within it", async () => {
    await db.transaction(async (tx) => {
      await tx.select({ id: users.id }).from(users).where(eq(users.firstName, "Dara"));
      await tx.transaction(async (inner) => {
        await inner.select({ id: users.id }).from(users).where(eq(users.username, "dara"));
      });
      const prepared = await preparedOnUsers(tx);
      expect(prepared.some((s) => s.includes('"first_name" = $1'))).toBe(true);
      expect(prepared.some((s) => s.includes('"username" = $1'))).toBe(true);
    });
  });

  it("leaves unprepared a statement whose text grows with what it carries", async () => {
    const many = Array.from({ length: 60 }, (_, i) => 9000 + i);
    expect(await db.select({ id: users.id }).from(users).where(inArray(users.telegramId, many))).toEqual([]);
    expect((await preparedOnUsers()).some((s) => s.includes("$60"))).toBe(false);
  });

  it("prepares nothing with DATABASE_PREPARE=false (a pooler that cannot carry prepared statements)", async () => {
    const unprepared = createDatabase(env.databaseUrl, { max: 1, prepare: false });
    try {
      for (const name of ["Vanna", "Vanna"]) await unprepared.db.select({ id: users.id }).from(users).where(eq(users.firstName, name));
      expect(await preparedOnUsers(unprepared.db)).toEqual([]);
    } finally {
      await unprepared.sql.end({ timeout: 5 });
    }
  });
});
