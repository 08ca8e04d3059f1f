/**
 * Councils and their Telegram groups, as plain functions over the database:
 * link codes (one-time, 72 h, stored hashed), linking and unlinking a group,
 * the group's language, and which council answers for an area.
 */
import { createHash, randomInt } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database, DatabaseOrTransaction } from "../../db/client.js";
import { areas, councilLinkCodes, councils, type Area, type Council, type Language } from "../../db/schema/index.js";
import { findArea, searchAreas } from "../areas/areas.js";
import { areaLabel } from "../areas/names.js";
import { normaliseForSearch } from "../areas/normalise.js";

export const LINK_CODE_VALIDITY_MS = 72 * 3_600_000;

export type { Area };
export type CouncilLevel = "commune" | "district";

// No 0/O, 1/I/L: codes are read aloud and typed on small phones.
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** The form a code is compared in: upper case, no spaces or dashes. */
export function normaliseLinkCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "");
}

function hashLinkCode(code: string): string {
  return createHash("sha256").update(normaliseLinkCode(code)).digest("hex");
}

/**
 * Areas a council can be for (communes and districts) matching a code or a
 * name as staff type it. At most `limit` results, communes and districts mixed.
 */
export async function findCouncilAreas(db: Database, query: string, limit = 8): Promise<Area[]> {
  const trimmed = query.trim();
  if (/^\d{4}$|^\d{6}$/.test(trimmed)) {
    const area = await findArea(db, trimmed);
    return area && (area.level === "commune" || area.level === "district") ? [area] : [];
  }
  if (normaliseForSearch(trimmed).length < 2) return [];
  return searchAreas(db, trimmed, { levels: ["district", "commune"], limit });
}

/** A new one-time link code for the council of this area (the plain code is returned once, never stored). */
export async function createLinkCode(db: Database, areaCode: string, createdByUserId: number | undefined, now = new Date()): Promise<string> {
  const raw = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
  const code = `${raw.slice(0, 4)}-${raw.slice(4)}`;
  await db.insert(councilLinkCodes).values({
    codeHash: hashLinkCode(code),
    areaCode,
    createdByUserId: createdByUserId ?? null,
    expiresAt: new Date(now.getTime() + LINK_CODE_VALIDITY_MS),
  });
  return code;
}

export type LinkResult =
  | { ok: true; council: Council; area: Area; movedFrom?: number }
  | { ok: false; reason: "unknown" | "expired" | "used" };

/**
 * Redeems a code for a group: the code is spent atomically (two groups racing
 * with one code: one wins), the council is created or moved to this group, and
 * any other council this group stood for lets it go (one group, one council).
 */
export async function linkGroup(db: Database, input: { code: string; chatId: number; byTelegramId: number }, now = new Date()): Promise<LinkResult> {
  const hash = hashLinkCode(input.code);
  return db.transaction(async (tx) => {
    const [spent] = await tx
      .update(councilLinkCodes)
      .set({ usedAt: now, usedByChatId: input.chatId })
      .where(and(eq(councilLinkCodes.codeHash, hash), isNull(councilLinkCodes.usedAt), gt(councilLinkCodes.expiresAt, now)))
      .returning();
    if (!spent) {
      const [known] = await tx.select().from(councilLinkCodes).where(eq(councilLinkCodes.codeHash, hash)).limit(1);
      return { ok: false, reason: !known ? "unknown" : known.usedAt ? "used" : "expired" } as const;
    }
    const [previous] = await tx.select().from(councils).where(eq(councils.areaCode, spent.areaCode)).for("update");
    // This group may have stood for another council: it now stands for this one only.
    await tx
      .update(councils)
      .set({ groupChatId: null, updatedAt: now })
      .where(and(eq(councils.groupChatId, input.chatId), sql`${councils.areaCode} <> ${spent.areaCode}`));
    const [council] = await tx
      .insert(councils)
      .values({ areaCode: spent.areaCode, groupChatId: input.chatId, linkedAt: now, linkedByTelegramId: input.byTelegramId })
      .onConflictDoUpdate({
        target: councils.areaCode,
        set: { groupChatId: input.chatId, linkedAt: now, linkedByTelegramId: input.byTelegramId, updatedAt: now },
      })
      .returning();
    const [area] = await tx.select().from(areas).where(eq(areas.code, spent.areaCode));
    const movedFrom = previous?.groupChatId && previous.groupChatId !== input.chatId ? previous.groupChatId : undefined;
    return { ok: true, council: council!, area: area!, ...(movedFrom ? { movedFrom } : {}) } as const;
  });
}

/** The group no longer speaks for its council; complaints for it wait (or go to the district) until a new link. */
export async function unlinkGroup(db: Database, chatId: number): Promise<Council | undefined> {
  const [council] = await db
    .update(councils)
    .set({ groupChatId: null, updatedAt: new Date() })
    .where(eq(councils.groupChatId, chatId))
    .returning();
  return council;
}

export async function councilByGroup(db: Database, chatId: number): Promise<Council | undefined> {
  const [council] = await db.select().from(councils).where(eq(councils.groupChatId, chatId)).limit(1);
  return council;
}

export async function councilForArea(db: Database, areaCode: string): Promise<Council | undefined> {
  const [council] = await db.select().from(councils).where(eq(councils.areaCode, areaCode)).limit(1);
  return council;
}

/** Only linked councils: those that can receive something now. */
export async function linkedCouncilForArea(db: Database, areaCode: string): Promise<Council | undefined> {
  const council = await councilForArea(db, areaCode);
  return council?.groupChatId ? council : undefined;
}

export async function setCouncilLanguage(db: Database, chatId: number, language: Language): Promise<boolean> {
  const updated = await db
    .update(councils)
    .set({ language, updatedAt: new Date() })
    .where(eq(councils.groupChatId, chatId))
    .returning({ id: councils.id });
  return updated.length > 0;
}

export async function groupLanguage(db: Database, chatId: number): Promise<Language | undefined> {
  const [row] = await db.select({ language: councils.language }).from(councils).where(eq(councils.groupChatId, chatId)).limit(1);
  return row?.language;
}

/** "ក្រុមប្រឹក្សាឃុំតាផូ" / "Ta Phou commune council" — how people name a council. */
export function councilName(area: Pick<Area, "level" | "nameKm" | "nameEn" | "unitKm" | "unitEn">, lang: Language): string {
  // A council is named after its place in Khmer (ក្រុមប្រឹក្សាឃុំតាផូ); in English the unit word reads as English.
  if (lang === "km") return `ក្រុមប្រឹក្សា${areaLabel(area, "km")}`;
  return `${area.nameEn} ${englishUnit(area)} council`;
}

// The gazetteer's romanised unit words, as English readers know them.
const englishUnits: Record<string, string> = { khum: "commune", sangkat: "sangkat", srok: "district", krong: "municipality", khan: "khan" };
function englishUnit(area: Pick<Area, "level" | "unitEn">): string {
  return englishUnits[area.unitEn?.toLowerCase() ?? ""] ?? area.level;
}


/** /forget: link codes keep no trace of the staff member who made them. */
export async function detachLinkCodesFrom(tx: DatabaseOrTransaction, userId: number): Promise<void> {
  await tx.update(councilLinkCodes).set({ createdByUserId: null }).where(eq(councilLinkCodes.createdByUserId, userId));
}
