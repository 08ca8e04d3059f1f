/** An update's effect is saved once: a second run (crash, redelivery), even one running at the same time, finds the first's result. */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../../src/db/client.js";
import { once } from "../../src/db/once.js";
import { useTestEnvironment } from "../support/env.js";

const env = useTestEnvironment();

/** A table of its own: what each run wrote. */
beforeAll(async () => {
  await env.sql`create table once_probe (id serial primary key, note text not null unique)`;
});
const notes = async () => (await env.sql<{ note: string }[]>`select note from once_probe order by id`).map((r) => r.note);
const insertNote = async (tx: Parameters<Parameters<typeof once>[2]>[0], note: string) => {
  const rows = await tx.execute<{ id: number }>(sql`insert into once_probe (note) values (${note}) returning id`);
  return { id: rows[0]!.id };
};

describe("once", () => {
  it("writes on the first run; a second run with the same key returns the first result and its writes are undone", async () => {
    const first = await once(env.db, "probe:1", (tx) => insertNote(tx, "first"));
    let secondRan = false;
    const second = await once(env.db, "probe:1", async (tx) => {
      secondRan = true;
      return insertNote(tx, "second");
    });
    expect(second).toEqual(first);
    // The second run did its work (the key goes in last) and it was rolled back.
    expect(secondRan).toBe(true);
    expect(await notes()).toEqual(["first"]);
  });

  it("two runs at the same time: one writes, the other waits for it and returns its result", async () => {
    const run = (note: string) =>
      once(env.db, "probe:2", async (tx) => {
        const saved = await insertNote(tx, note);
        await tx.execute(sql`select pg_sleep(0.2)`);
        return saved;
      });
    const [a, b] = await Promise.all([run("twin a"), run("twin b")]);
    expect(a).toEqual(b);
    const written = (await notes()).filter((n) => n.startsWith("twin"));
    expect(written).toHaveLength(1);
  });

  it("a second run whose writes fail because the first's are there still gets the first's result", async () => {
    const first = await once(env.db, "probe:3", (tx) => insertNote(tx, "unique note"));
    // The same insert again violates the unique note: the key is there, so that is not the caller's problem.
    expect(await once(env.db, "probe:3", (tx) => insertNote(tx, "unique note"))).toEqual(first);
  });

  it("a failed run records nothing, so the next run writes", async () => {
    await expect(
      once(env.db, "probe:4", async (tx) => {
        await insertNote(tx, "lost");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await notes()).not.toContain("lost");
    const retried = await once(env.db, "probe:4", (tx) => insertNote(tx, "retried"));
    expect(retried.id).toBeGreaterThan(0);
    expect(await notes()).toContain("retried");
  });
});

describe("inTransaction", () => {
  it("inside a transaction, works in it: sees its writes and is rolled back with it", async () => {
    await expect(
      env.db.transaction(async (tx) => {
        await insertNote(tx, "outer");
        const seen = await inTransaction(tx, async (inner) => {
          await insertNote(inner, "inner");
          return (await inner.execute<{ n: number }>(sql`select count(*)::int as n from once_probe where note in ('outer', 'inner')`))[0]!.n;
        });
        expect(seen).toBe(2);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await notes()).not.toContain("outer");
    expect(await notes()).not.toContain("inner");
  });

  it("on the pool, opens a transaction of its own", async () => {
    await expect(
      inTransaction(env.db, async (tx) => {
        await insertNote(tx, "alone");
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await notes()).not.toContain("alone");
    await inTransaction(env.db, (tx) => insertNote(tx, "kept"));
    expect(await notes()).toContain("kept");
  });
});
