/**
 * Saves an update's effect at most once. `write` runs in a transaction that
 * also records `key`; a second call with the same key (the same update
 * handled again after a crash or a redelivery) waits for the first to commit
 * and returns its result without writing. The result must be plain JSON.
 *
 *   const saved = await once(db, `rating:${ctx.update.update_id}`, (tx) => recordRating(tx, input));
 */
import { eq, lt, sql } from "drizzle-orm";
import type { Database, DatabaseTransaction } from "./client.js";
import { updateEffects } from "./schema/index.js";

export async function once<T>(db: Database, key: string, write: (tx: DatabaseTransaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const [claimed] = await tx.insert(updateEffects).values({ key, result: {} }).onConflictDoNothing().returning({ key: updateEffects.key });
    if (!claimed) {
      const [earlier] = await tx.select({ result: updateEffects.result }).from(updateEffects).where(eq(updateEffects.key, key));
      return earlier!.result as T;
    }
    const result = await write(tx);
    await tx.update(updateEffects).set({ result: result as object }).where(eq(updateEffects.key, key));
    // Now and then, forget effects older than any redelivery.
    if (Math.random() < 0.01) await tx.delete(updateEffects).where(lt(updateEffects.createdAt, sql`now() - interval '2 days'`));
    return result;
  });
}
