import { index, pgTable, text, varchar, type AnyPgColumn } from "drizzle-orm/pg-core";

export const areaLevels = ["province", "district", "commune", "village"] as const;
export type AreaLevel = (typeof areaLevels)[number];

/** The gazetteer: provinces (2-digit codes) → districts (4) → communes (6) → villages (8). */
export const areas = pgTable(
  "areas",
  {
    code: varchar("code", { length: 8 }).primaryKey(),
    level: text("level").$type<AreaLevel>().notNull(),
    parentCode: varchar("parent_code", { length: 8 }).references((): AnyPgColumn => areas.code),
    nameKm: text("name_km").notNull(),
    nameEn: text("name_en").notNull(),
    /** Unit words such as ស្រុក/ក្រុង/ខណ្ឌ or Srok/Krong/Khan, where the import file gives them. */
    unitKm: text("unit_km"),
    unitEn: text("unit_en"),
    /** Both names normalised for search (see features/areas/normalise.ts), space-separated. */
    searchText: text("search_text").notNull(),
  },
  (t) => [index("areas_parent_idx").on(t.parentCode, t.code), index("areas_level_idx").on(t.level)],
);

/** An area as the rest of the code sees it (the search column is the search's own business). */
export type Area = Omit<typeof areas.$inferSelect, "searchText">;
