import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, integer, pgTable, primaryKey, serial, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";
import { users, type Sex } from "./users.js";

export const forumTypes = ["dc_forum", "commune_forum", "crr_results", "interface_meeting", "council_meeting", "other"] as const;
export type ForumType = (typeof forumTypes)[number];
export const forumStatuses = ["draft", "published", "cancelled"] as const;
export type ForumStatus = (typeof forumStatuses)[number];
export const rsvpAnswers = ["yes", "maybe", "no"] as const;
export type RsvpAnswer = (typeof rsvpAnswers)[number];

/** A public meeting citizens are invited to. */
export const forums = pgTable(
  "forums",
  {
    id: serial("id").primaryKey(),
    type: text("type").$type<ForumType>().notNull(),
    /** At least one of the two; the other language falls back to it. */
    titleKm: text("title_km"),
    titleEn: text("title_en"),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    venue: text("venue").notNull(),
    latitude: doublePrecision("latitude"),
    longitude: doublePrecision("longitude"),
    agenda: text("agenda"),
    status: text("status").$type<ForumStatus>().notNull().default("draft"),
    /** ISO 8601 durations before the start, e.g. {P3D,P1D,PT2H}. */
    reminderOffsets: text("reminder_offsets").array().notNull().default(["P3D", "P1D", "PT2H"]),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    attendanceTotal: integer("attendance_total"),
    attendanceWomen: integer("attendance_women"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    /**
     * The secret part of the check-in link (?start=f_<id>_<code>): 12 random hex digits, so
     * that nobody can check in to a forum they are not at by trying forum ids one after another.
     */
    checkinCode: text("checkin_code")
      .notNull()
      .default(sql`substr(replace(gen_random_uuid()::text, '-', ''), 1, 12)`),
  },
  (t) => [index("forums_starts_idx").on(t.status, t.startsAt)],
);

/** The provinces, districts or communes a forum is for (a code covers every commune under it). */
export const forumAreas = pgTable(
  "forum_areas",
  {
    forumId: integer("forum_id").notNull().references(() => forums.id, { onDelete: "cascade" }),
    areaCode: varchar("area_code", { length: 8 }).notNull().references(() => areas.code),
  },
  (t) => [primaryKey({ columns: [t.forumId, t.areaCode] }), index("forum_areas_area_idx").on(t.areaCode)],
);

export const forumRsvps = pgTable(
  "forum_rsvps",
  {
    forumId: integer("forum_id").notNull().references(() => forums.id, { onDelete: "cascade" }),
    userId: integer("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    answer: text("answer").$type<RsvpAnswer>().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.forumId, t.userId] }), index("forum_rsvps_answer_idx").on(t.forumId, t.answer)],
);

/** Attendance by commune (optional detail beside forums.attendance_total / _women). */
export const forumAttendance = pgTable(
  "forum_attendance",
  {
    forumId: integer("forum_id").notNull().references(() => forums.id, { onDelete: "cascade" }),
    communeCode: varchar("commune_code", { length: 8 }).notNull().references(() => areas.code),
    total: integer("total").notNull(),
    women: integer("women").notNull(),
  },
  (t) => [primaryKey({ columns: [t.forumId, t.communeCode] })],
);

export const checkinSources = ["telegram", "counted"] as const;
export type CheckinSource = (typeof checkinSources)[number];

/**
 * One person present at a forum: someone who opened the forum's check-in
 * link on the day ("telegram": user set, once per forum and person), or
 * someone without Telegram counted by a volunteer or staff member with a +1
 * button ("counted": counted_by set, never a user). Each row is one person,
 * so the totals and the groups (women, men, youth, disability, which a
 * person may belong to several of) always add up.
 *
 * For "telegram" rows the groups are read from the person's profile while
 * they are known; /forget copies the profile here and unlinks the person, so
 * they still count. For "counted" rows the groups are what the counter pressed.
 */
export const forumCheckins = pgTable(
  "forum_checkins",
  {
    id: serial("id").primaryKey(),
    forumId: integer("forum_id").notNull().references(() => forums.id, { onDelete: "cascade" }),
    source: text("source").$type<CheckinSource>().notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    countedBy: integer("counted_by").references(() => users.id, { onDelete: "set null" }),
    sex: text("sex").$type<Extract<Sex, "female" | "male" | "other">>(),
    youth: boolean("youth"),
    disability: boolean("disability"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Nulls are distinct: counted rows (no user) never collide; a person checks in once.
    uniqueIndex("forum_checkins_person_uq").on(t.forumId, t.userId),
    index("forum_checkins_counter_idx").on(t.forumId, t.countedBy, t.id),
  ],
);

export type Forum = typeof forums.$inferSelect;
export type ForumCheckin = typeof forumCheckins.$inferSelect;
