import { index, integer, pgTable, primaryKey, serial, text, timestamp, varchar } from "drizzle-orm/pg-core";
import { areas } from "./areas.js";
import { users } from "./users.js";

/** The communes a volunteer records interviews in. */
export const volunteerCommunes = pgTable(
  "volunteer_communes",
  {
    userId: integer("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    communeCode: varchar("commune_code", { length: 8 }).notNull().references(() => areas.code),
    grantedById: integer("granted_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.communeCode] }), index("volunteer_communes_commune_idx").on(t.communeCode)],
);

/**
 * A one-time link that makes whoever opens it a volunteer for these communes.
 * Only the SHA-256 of the token is kept, so a database leak gives no usable link.
 */
export const volunteerInvites = pgTable("volunteer_invites", {
  id: serial("id").primaryKey(),
  tokenHash: text("token_hash").notNull().unique(),
  communeCodes: text("commune_codes").array().notNull(),
  createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  usedById: integer("used_by_id").references(() => users.id, { onDelete: "set null" }),
});

export type VolunteerInvite = typeof volunteerInvites.$inferSelect;
