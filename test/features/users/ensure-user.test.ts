/**
 * The person lookup every update makes: updates arriving together share one
 * statement, and each still gets its own person, created or brought up to
 * date as if it had asked alone.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema/index.js";
import { ensureUser } from "../../../src/features/users/users.js";
import { useTestEnvironment } from "../../support/env.js";

const env = useTestEnvironment();
let statements: string[] = [];

beforeAll(async () => {
  // Every statement drizzle sends goes through postgres.js' unsafe (as bench:updates counts them).
  const unsafe = env.sql.unsafe.bind(env.sql);
  (env.sql as { unsafe: unknown }).unsafe = (query: string, ...rest: unknown[]) => {
    statements.push(query);
    return (unsafe as (...a: unknown[]) => unknown)(query, ...rest);
  };
  await env.db.insert(users).values([
    { telegramId: 501, firstName: "Sokha", username: "sokha" },
    { telegramId: 502, firstName: "Dara", username: null },
    { telegramId: 503, firstName: "Bopha", username: "bopha", blockedBot: true },
  ]);
});

describe("ensureUser under load", () => {
  it("serves the updates of one moment with one lookup, each with its own person", async () => {
    const db = env.db;
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
