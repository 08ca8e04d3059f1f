import { bigint, index, integer, pgTable, serial, text, timestamp, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";
import { users, type Language } from "./users.js";

/**
 * A commune/sangkat or district/municipal/khan council, known to Mati once a
 * link code was issued for it. It acts through one Telegram group; linking a
 * new group moves it there (group_chat_id is unique: one group, one council).
 */
export const councils = pgTable("councils", {
  id: serial("id").primaryKey(),
  /** The council's area (its level is the area's: commune or district). */
  areaCode: varchar("area_code", { length: 8 }).notNull().unique().references(() => areas.code),
  /** Null while no group is linked (complaints for it then wait). */
  groupChatId: bigint("group_chat_id", { mode: "number" }).unique(),
  /** The language the bot speaks in the group (Khmer unless an admin changes it). */
  language: varchar("language", { length: 2 }).$type<Language>().notNull().default("km"),
  linkedAt: timestamp("linked_at", { withTimezone: true }),
  linkedByTelegramId: bigint("linked_by_telegram_id", { mode: "number" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Council = typeof councils.$inferSelect;

/**
 * One-time codes staff hand to a council so that its group admin can link
 * the group. Only a hash is stored: a leaked table cannot link anything.
 */
export const councilLinkCodes = pgTable(
  "council_link_codes",
  {
    id: serial("id").primaryKey(),
    codeHash: text("code_hash").notNull().unique(),
    areaCode: varchar("area_code", { length: 8 }).notNull().references(() => areas.code),
    createdByUserId: integer("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    usedByChatId: bigint("used_by_chat_id", { mode: "number" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("council_link_codes_area_idx").on(t.areaCode)],
);
