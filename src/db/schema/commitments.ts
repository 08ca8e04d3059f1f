import { bigint, date, index, integer, pgTable, serial, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";
import { forums } from "./forums.js";
import { users } from "./users.js";

export const commitmentStatuses = ["planned", "started", "done"] as const;
export type CommitmentStatus = (typeof commitmentStatuses)[number];

/**
 * What officials promised to do (the action plan agreed at a forum, or
 * recorded later): by which council or provider, for which service and
 * place, by when. The council's group follows it (Started · Done · photo);
 * once done, the citizens concerned are asked whether it really happened.
 */
export const commitments = pgTable(
  "commitments",
  {
    id: serial("id").primaryKey(),
    /** Public reference: CM-<forum>-<n> for a forum's commitments, CM-<id> otherwise. */
    reference: varchar("reference", { length: 24 }).notNull().unique(),
    forumId: integer("forum_id").references(() => forums.id, { onDelete: "set null" }),
    /** The council that follows it up in its group (a commune or district council). */
    councilAreaCode: varchar("council_area_code", { length: 8 }).notNull().references(() => areas.code),
    /** Where it applies: a commune, or a district as a whole (every commune in it). */
    areaCode: varchar("area_code", { length: 8 }).notNull().references(() => areas.code),
    /** A key of catalogue/services.ts, when it concerns a service. */
    serviceKey: text("service_key"),
    /** Who does it: a key of commitments/catalogue.ts responsibleBodies, or the name staff typed. */
    responsible: text("responsible").notNull().default("council"),
    text: text("text").notNull(),
    /** The day it is due, in Asia/Phnom_Penh. */
    dueOn: date("due_on", { mode: "string" }).notNull(),
    status: text("status").$type<CommitmentStatus>().notNull().default("planned"),
    /** Where the council's message with the buttons is; null until posted (no linked group yet). */
    groupChatId: bigint("group_chat_id", { mode: "number" }),
    groupMessageId: integer("group_message_id"),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    doneAt: timestamp("done_at", { withTimezone: true }),
  },
  (t) => [
    index("commitments_council_idx").on(t.councilAreaCode, t.status, t.dueOn),
    index("commitments_forum_idx").on(t.forumId),
    index("commitments_area_idx").on(t.areaCode),
  ],
);

export type Commitment = typeof commitments.$inferSelect;

export const commitmentEventKinds = ["recorded", "started", "done", "evidence", "due_changed"] as const;
export type CommitmentEventKind = (typeof commitmentEventKinds)[number];
export type CommitmentActorKind = "staff" | "council";

/** A commitment's history: who recorded it, moved it along, added a photo or changed its date. */
export const commitmentEvents = pgTable(
  "commitment_events",
  {
    id: serial("id").primaryKey(),
    commitmentId: integer("commitment_id").notNull().references(() => commitments.id, { onDelete: "cascade" }),
    kind: text("kind").$type<CommitmentEventKind>().notNull(),
    actorKind: text("actor_kind").$type<CommitmentActorKind>().notNull(),
    /** Staff: their users row (null after /forget). */
    actorUserId: integer("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    /** A council member acting in the group (an official, as on complaints). */
    actorTelegramId: bigint("actor_telegram_id", { mode: "number" }),
    actorName: text("actor_name"),
    /** Evidence: the largest size of the photo a member sent. */
    photoFileId: text("photo_file_id"),
    /** For due_changed: "<old> → <new>". */
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("commitment_events_commitment_idx").on(t.commitmentId, t.id)],
);

export type CommitmentEvent = typeof commitmentEvents.$inferSelect;

export const verificationAnswers = ["yes", "partly", "no"] as const;
export type VerificationAnswer = (typeof verificationAnswers)[number];

/**
 * A citizen's answer to "Has this really happened?", one per person and
 * commitment (changeable until the question closes). /forget unlinks the
 * person; the answer still counts. Shown only as totals of at least 5.
 */
export const commitmentVerifications = pgTable(
  "commitment_verifications",
  {
    id: serial("id").primaryKey(),
    commitmentId: integer("commitment_id").notNull().references(() => commitments.id, { onDelete: "cascade" }),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    answer: text("answer").$type<VerificationAnswer>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("commitment_verifications_person_uq").on(t.commitmentId, t.userId)],
);
