/** Where a person lives: the commune on their users row. */
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { users } from "../../db/schema/index.js";
import { findAreaWithPath, type AreaWithPath } from "./areas.js";

/** The person's commune with the district and province above it, if they told us. */
export async function communeOfPerson(db: Database, userId: number): Promise<AreaWithPath | undefined> {
  const [row] = await db.select({ code: users.communeCode }).from(users).where(eq(users.id, userId)).limit(1);
  return row?.code ? findAreaWithPath(db, row.code) : undefined;
}

export async function setCommuneOfPerson(db: Database, userId: number, communeCode: string): Promise<void> {
  await db.update(users).set({ communeCode, updatedAt: new Date() }).where(eq(users.id, userId));
}
