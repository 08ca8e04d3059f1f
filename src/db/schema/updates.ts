import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * What an update saved, once (db/once.ts): the key names the effect and the
 * update ("rating:<update_id>"), written in the same transaction as the
 * effect, so an update handled again after a crash (long polling, webhook
 * redelivery) finds the first result instead of saving twice. The result
 * holds ids only; rows older than two days are pruned (Telegram keeps an
 * unconfirmed update for a day).
 */
export const updateEffects = pgTable("update_effects", {
  key: text("key").primaryKey(),
  result: jsonb("result").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
