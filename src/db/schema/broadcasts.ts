import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Language } from "./users.js";
import { users } from "./users.js";

/** What one recipient sees, per language (the recipient's own language is used). */
export interface BroadcastMessage {
  text: string;
  /** A Telegram file id: the text then goes as the photo's caption. */
  photo?: string;
  replyMarkup?: InlineKeyboardMarkup;
}
export type BroadcastContent = Record<Language, BroadcastMessage>;

/** Who a broadcast goes to; the kinds are listed in features/broadcast/audience.ts. */
export type AudienceSpec =
  | { kind: "citizens"; areaCodes: string[] }
  | { kind: "forum_rsvp"; forumId: number; answers: string[] }
  | { kind: "forum_followers"; forumId: number }
  | { kind: "council_groups"; areaCodes: string[] }
  /** Citizens who rated a service or filed a complaint in the commune in [from, to) (ISO instants). */
  | { kind: "commune_participants"; communeCode: string; from: string; to: string }
  | { kind: "commitment_verifiers"; commitmentId: number };

export const broadcastKinds = ["announcement", "forum_announcement", "forum_reminder", "forum_update", "forum_cancel", "commune_results", "commitment_verification"] as const;
export type BroadcastKind = (typeof broadcastKinds)[number];
export const broadcastStatuses = ["sending", "done", "cancelled"] as const;
export type BroadcastStatus = (typeof broadcastStatuses)[number];

/** One message sent to many chats. */
export const broadcasts = pgTable(
  "broadcasts",
  {
    id: serial("id").primaryKey(),
    kind: text("kind").$type<BroadcastKind>().notNull(),
    /** Makes starting a broadcast idempotent (e.g. "forum-42-remind-P1D-1796000000"). */
    dedupeKey: text("dedupe_key").unique(),
    forumId: integer("forum_id"),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    content: jsonb("content").$type<BroadcastContent>().notNull(),
    audience: jsonb("audience").$type<AudienceSpec>().notNull(),
    status: text("status").$type<BroadcastStatus>().notNull().default("sending"),
    /** Recipients counted when the broadcast started (the delivery rows are the truth once fan-out is done). */
    estimatedTotal: integer("estimated_total").notNull().default(0),
    /** Keyset cursor of the fan-out: the last audience key written as a delivery row and enqueued. */
    fanoutCursor: bigint("fanout_cursor", { mode: "number" }).notNull().default(0),
    fanoutDone: boolean("fanout_done").notNull().default(false),
    /** The staff member's live progress message, edited every few seconds. */
    progressChatId: bigint("progress_chat_id", { mode: "number" }),
    progressMessageId: integer("progress_message_id"),
    progressLanguage: varchar("progress_language", { length: 2 }).$type<Language>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("broadcasts_forum_idx").on(t.forumId)],
);

export const deliveryStatuses = ["queued", "sending", "sent", "failed", "blocked", "cancelled"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One row per (broadcast, chat), written before the send and updated after it:
 * queued → sending → sent | failed | blocked (| cancelled when the broadcast is).
 */
export const deliveries = pgTable(
  "deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    broadcastId: integer("broadcast_id").notNull().references(() => broadcasts.id, { onDelete: "cascade" }),
    chatId: bigint("chat_id", { mode: "number" }).notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    language: varchar("language", { length: 2 }).$type<Language>().notNull(),
    status: text("status").$type<DeliveryStatus>().notNull().default("queued"),
    messageId: integer("message_id"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the current attempt claimed the row (status "sending"). */
    claimedAt: timestamp("claimed_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("deliveries_broadcast_chat_uq").on(t.broadcastId, t.chatId), index("deliveries_broadcast_status_idx").on(t.broadcastId, t.status)],
);

export type Broadcast = typeof broadcasts.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;
