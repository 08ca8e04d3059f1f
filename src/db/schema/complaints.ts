import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, serial, text, timestamp, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";
import { users } from "./users.js";

export const complaintStatuses = ["new", "acknowledged", "in_progress", "resolved", "closed", "rejected", "forwarded"] as const;
export type ComplaintStatus = (typeof complaintStatuses)[number];

/** A citizen's problem report, owned by the council it is routed to. */
export const complaints = pgTable(
  "complaints",
  {
    id: serial("id").primaryKey(),
    /** Public reference, e.g. MT-2026-000123 (year in Asia/Phnom_Penh, per-year sequence). */
    reference: varchar("reference", { length: 20 }).notNull().unique(),
    /** Null after the person used /forget: the complaint stays with the council. */
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    anonymous: boolean("anonymous").notNull(),
    /** First name shown to the council; null when anonymous (never stored then). */
    reporterName: text("reporter_name"),
    communeCode: varchar("commune_code", { length: 8 }).notNull().references(() => areas.code),
    /** A key of catalogue/complaint-categories.ts. */
    category: text("category").notNull(),
    /** A key of catalogue/services.ts, when the complaint names a service. */
    serviceKey: text("service_key"),
    description: text("description").notNull(),
    /** The citizen agreed that the text may be published as open data (Open311); off unless they said yes. */
    publishText: boolean("publish_text").notNull().default(false),
    photoFileIds: jsonb("photo_file_ids").$type<string[]>().notNull().default([]),
    voiceFileId: text("voice_file_id"),
    latitude: doublePrecision("latitude"),
    longitude: doublePrecision("longitude"),
    status: text("status").$type<ComplaintStatus>().notNull().default("new"),
    /** The council that owns it now; null while no council could be reached yet. */
    councilAreaCode: varchar("council_area_code", { length: 8 }).references(() => areas.code),
    /** Where the council's message with the buttons is; null while waiting for a linked group. */
    groupChatId: bigint("group_chat_id", { mode: "number" }),
    groupMessageId: integer("group_message_id"),
    /** Set once the "not acknowledged in time" reminder went out (it goes out once). */
    overdueNotifiedAt: timestamp("overdue_notified_at", { withTimezone: true }),
    /** When the author was asked, 4 weeks after the resolution, whether it is still fixed (asked once). */
    followUpAskedAt: timestamp("follow_up_asked_at", { withTimezone: true }),
    /** When the author answered that question ("yes" recorded as an event, "no" reopened it). */
    followUpAnsweredAt: timestamp("follow_up_answered_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("complaints_user_idx").on(t.userId, t.createdAt),
    index("complaints_council_idx").on(t.councilAreaCode, t.status),
    index("complaints_commune_idx").on(t.communeCode, t.status),
  ],
);

export type Complaint = typeof complaints.$inferSelect;

/** `follow_up`: the author was asked whether it is still fixed; `still_fixed`: they said yes. */
export const complaintEventKinds = ["status", "question", "answer", "info", "overdue", "follow_up", "still_fixed"] as const;
export type ComplaintEventKind = (typeof complaintEventKinds)[number];
export type ComplaintActorKind = "citizen" | "council" | "system";

/** The history of a complaint: every status change, question, answer and reminder. */
export const complaintEvents = pgTable(
  "complaint_events",
  {
    id: serial("id").primaryKey(),
    complaintId: integer("complaint_id").notNull().references(() => complaints.id, { onDelete: "cascade" }),
    kind: text("kind").$type<ComplaintEventKind>().notNull(),
    fromStatus: text("from_status").$type<ComplaintStatus>(),
    toStatus: text("to_status").$type<ComplaintStatus>(),
    actorKind: text("actor_kind").$type<ComplaintActorKind>().notNull(),
    /** The citizen who acted (null after /forget). */
    actorUserId: integer("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    /** A council member who acted: their Telegram id and first name. */
    actorTelegramId: bigint("actor_telegram_id", { mode: "number" }),
    actorName: text("actor_name"),
    /** The council concerned (the one acting, or the one forwarded to). */
    councilAreaCode: varchar("council_area_code", { length: 8 }),
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("complaint_events_complaint_idx").on(t.complaintId, t.id)],
);

export type ComplaintEvent = typeof complaintEvents.$inferSelect;

/** The last reference number handed out per year (gap-free within a year). */
export const complaintReferenceCounters = pgTable("complaint_reference_counters", {
  year: integer("year").primaryKey(),
  last: integer("last").notNull(),
});
