/**
 * Saves an update's effect at most once. `write` runs in a transaction that
 * ends by recording `key` with the result; when the key is already there (the
 * same update handled again after a crash or a redelivery), this run's writes
 * are rolled back and the first run's result is returned instead. The result
 * must be plain JSON.
 *
 *   const saved = await once(db, `rating:${ctx.update.update_id}`, (tx) => recordRating(tx, input));
 *
 * The key goes in last, with its result: the first run, the usual case, pays
 * one statement for the bookkeeping. A second run redoes the work and throws
 * it away, which is rare and cheap. One concurrent with the first waits on
 * the key's unique index until the first commits, then finds it. A second run
 * whose writes fail because the first's are there finds the key as well.
 */
import { eq, lt, sql } from "drizzle-orm";
import type { Database, DatabaseTransaction } from "./client.js";
import { updateEffects } from "./schema/index.js";

/** Thrown inside the transaction to roll back a second run's writes. */
class AlreadySaved extends Error {}

export async function once<T>(db: Database, key: string, write: (tx: DatabaseTransaction) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      const result = await write(tx);
      const [recorded] = await tx.insert(updateEffects).values({ key, result: result as object }).onConflictDoNothing().returning({ key: updateEffects.key });
      if (!recorded) throw new AlreadySaved();
      // Now and then, forget effects older than any redelivery.
      if (Math.random() < 0.01) await tx.delete(updateEffects).where(lt(updateEffects.createdAt, sql`now() - interval '2 days'`));
      return result;
    });
  } catch (err) {
    // The original error stands when the key is not there, or cannot be read (Postgres gone: transient, handled again).
    const [first] = await db.select({ result: updateEffects.result }).from(updateEffects).where(eq(updateEffects.key, key)).catch(() => []);
    if (first) return first.result as T;
    throw err;
  }
}
