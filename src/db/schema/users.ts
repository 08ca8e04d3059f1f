import { bigint, boolean, index, pgTable, serial, text, timestamp, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";

export const languages = ["km", "en"] as const;
export type Language = (typeof languages)[number];
export const userRoles = ["citizen", "volunteer", "staff", "admin"] as const;
export type UserRole = (typeof userRoles)[number];
/** Optional profile answers, collected only for counts in reports (disaggregation). */
export const sexes = ["female", "male", "other", "undisclosed"] as const;
export type Sex = (typeof sexes)[number];
/** Youth is 15–30 in Cambodian practice; the other bands follow common survey groupings. */
export const ageGroups = ["under_15", "15_30", "31_45", "46_60", "61_plus"] as const;
export type AgeGroup = (typeof ageGroups)[number];

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
    /** The summary of their commune's results after each period (monthly by default), to those who took part. */
    communeResults: boolean("commune_results").notNull().default(true),
    /** When the person agreed to the privacy notice (null: not yet, or never). */
    consentedAt: timestamp("consented_at", { withTimezone: true }),
    /** When onboarding finished: /start then shows the main menu instead of the first steps. */
    onboardedAt: timestamp("onboarded_at", { withTimezone: true }),
    /** Profile, each optional (null: skipped or not asked). Used only for counts in reports. */
    sex: text("sex").$type<Sex>(),
    ageGroup: text("age_group").$type<AgeGroup>(),
    hasDisability: boolean("has_disability"),
    /** Ethnic minority or indigenous (ជនជាតិភាគតិច / ជនជាតិដើម). */
    isIndigenous: boolean("is_indigenous"),
    /** Holds an ID-Poor card (ប័ណ្ណក្រីក្រ). */
    hasIdPoor: boolean("has_id_poor"),
    /**
     * Set by /forget to a random marker: the row stays (ratings and complaints
     * may point at it) but nothing in it leads back to the person.
     */
    tombstone: text("tombstone").unique(),
    /** Set when Telegram answers 403 (bot blocked); cleared when the person writes again. */
    blockedBot: boolean("blocked_bot").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("users_commune_idx").on(t.communeCode), index("users_username_idx").on(t.username)],
);

export type User = typeof users.$inferSelect;
