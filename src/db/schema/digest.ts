import { bigint, date, integer, pgTable, serial, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";

export const digestDeliveryStatuses = ["claimed", "retry", "sent", "blocked", "failed"] as const;
export type DigestDeliveryStatus = (typeof digestDeliveryStatuses)[number];

/**
 * One weekly digest of one council for one period (the Monday it starts on).
 * The row is written before anything is sent, and the unique key makes that
 * write the claim: a second worker, a restart or a catch-up finds it and
 * sends nothing. `retry` marks a send Telegram refused for a passing reason
 * (429, 5xx, network): the next attempt may claim it again. The message ids
 * record which parts (text, chart) reached the group, so a retry sends only
 * what is missing.
 */
export const digestDeliveries = pgTable(
  "digest_deliveries",
  {
    id: serial("id").primaryKey(),
    councilAreaCode: varchar("council_area_code", { length: 8 }).notNull().references(() => areas.code),
    /** The period's first day (a Monday), in the configured time zone. */
    periodStart: date("period_start").notNull(),
    groupChatId: bigint("group_chat_id", { mode: "number" }).notNull(),
    status: text("status").$type<DigestDeliveryStatus>().notNull().default("claimed"),
    attempts: integer("attempts").notNull().default(1),
    textMessageId: integer("text_message_id"),
    chartMessageId: integer("chart_message_id"),
    /** Telegram's description when the group refused (403) or a send failed for good. */
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("digest_deliveries_council_period_key").on(t.councilAreaCode, t.periodStart)],
);

export type DigestDelivery = typeof digestDeliveries.$inferSelect;
