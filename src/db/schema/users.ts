import { bigint, boolean, index, pgTable, serial, text, timestamp, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";

export const languages = ["km", "en"] as const;
export type Language = (typeof languages)[number];
export const userRoles = ["citizen", "volunteer", "staff", "admin"] as const;
export type UserRole = (typeof userRoles)[number];

/** A person who has written to the bot in a private chat. */
export const users = pgTable(
  "users",
  {
    id: serial("id").primaryKey(),
    /** Null once the person used /forget: nothing links the row to them any more. */
    telegramId: bigint("telegram_id", { mode: "number" }).unique(),
    firstName: text("first_name"),
    username: text("username"),
    /** Null until the person picks a language. */
    language: varchar("language", { length: 2 }).$type<Language>(),
    communeCode: varchar("commune_code", { length: 8 }).references(() => areas.code),
    role: text("role").$type<UserRole>().notNull().default("citizen"),
    announcements: boolean("announcements").notNull().default(true),
    /** Set when Telegram answers 403 (bot blocked); cleared when the person writes again. */
    blockedBot: boolean("blocked_bot").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("users_commune_idx").on(t.communeCode), index("users_username_idx").on(t.username)],
);

export type User = typeof users.$inferSelect;
