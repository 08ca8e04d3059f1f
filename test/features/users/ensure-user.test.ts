/**
 * The person lookup every update makes: updates arriving together share one
 * statement, and each still gets its own person, created or brought up to
 * date as if it had asked alone.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../../src/db/schema/index.js";
import { users } from "../../../src/db/schema/index.js";
import { ensureUser } from "../../../src/features/users/users.js";
import { useTestEnvironment } from "../../support/env.js";

const env = useTestEnvironment();
let client: postgres.Sql;
let statements: string[] = [];

beforeAll(async () => {
  client = postgres(env.databaseUrl, { max: 4, onnotice: () => {}, debug: (_connection, query) => void statements.push(query) });
  await env.db.insert(users).values([
    { telegramId: 501, firstName: "Sokha", username: "sokha" },
    { telegramId: 502, firstName: "Dara", username: null },
    { telegramId: 503, firstName: "Bopha", username: "bopha", blockedBot: true },
  ]);
});
afterAll(() => client.end({ timeout: 5 }));

describe("ensureUser under load", () => {
  it("serves the updates of one moment with one lookup, each with its own person", async () => {
    const db = drizzle(client, { schema });
    await ensureUser(db, { id: 501, first_name: "Sokha", username: "sokha" }, []); // prepares the statement
    statements = [];

    const asked = [
      { id: 501, first_name: "Sokha", username: "sokha" },
      { id: 502, first_name: "Dara" },
      { id: 501, first_name: "Sokha", username: "sokha" },
      { id: 504, first_name: "Vanna", username: "vanna" }, // new
      { id: 503, first_name: "Bopha", username: "bopha" }, // wrote again after blocking the bot
      { id: 502, first_name: "Dara Chan" }, // renamed
    ];
    const people = await Promise.all(asked.map((person) => ensureUser(db, person, [504])));

    expect(people.map((p) => [p.telegramId, p.firstName, p.username, p.blockedBot])).toEqual([
      [501, "Sokha", "sokha", false],
      [502, "Dara", null, false],
      [501, "Sokha", "sokha", false],
      [504, "Vanna", "vanna", false],
      [503, "Bopha", "bopha", false],
      [502, "Dara Chan", null, false],
    ]);
    expect(people[3]!.role).toBe("admin");
    expect(people[0]!.id).toBe(people[2]!.id);
    const lookups = statements.filter((q) => q.includes("= any("));
    expect(lookups).toHaveLength(1);
    // The rows match what was returned.
    const stored = await env.db.select().from(users);
    expect(stored.find((u) => u.telegramId === 502)!.firstName).toBe("Dara Chan");
    expect(stored.find((u) => u.telegramId === 503)!.blockedBot).toBe(false);
  });
});
