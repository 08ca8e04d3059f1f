import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema/index.js";
import { forgetPerson } from "../../../src/features/onboarding/person.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { everyStoredRow } from "../../support/privacy.js";
import { useHarness, type Person } from "../../support/harness.js";
import { onboard, reachPicker } from "../../support/onboarding.js";

const env = useTestEnvironment();
const h = useHarness(env);

const rowsOf = (p: Person) => env.db.select().from(users).where(eq(users.telegramId, p.id));

describe("/forget", () => {
  it("after confirmation, leaves nothing that leads back to the person", async () => {
    const sophea = h.person({ first_name: "Sopheaktra", username: "sopheaktra_kh", language_code: "en" });
    await reachPicker(sophea, "en");
    await sophea.send("Ta Phou");
    await sophea.press("👩 A woman");
    await sophea.press("15–30 (youth)");
    await sophea.press("✅ Yes");
    await sophea.press("✅ Yes");
    await sophea.press("✅ Yes");
    const [before] = await rowsOf(sophea);
    expect(before).toMatchObject({ firstName: "Sopheaktra", username: "sopheaktra_kh", communeCode: communes.taPhou, sex: "female" });
    const everythingBefore = await everyStoredRow(env);
    expect(everythingBefore).toContain("Sopheaktra");
    expect(everythingBefore).toContain(String(sophea.id));

    await sophea.send("/forget");
    expect(sophea.last().text).toContain("Erase everything about you?");
    expect(sophea.buttons()).toEqual(["🗑 Yes, erase", "↩️ No, keep"]);
    await sophea.press("🗑 Yes, erase");
    expect(sophea.last().text).toContain("Mati has forgotten you");

    const everything = await everyStoredRow(env);
    expect(everything).not.toContain(String(sophea.id));
    expect(everything).not.toContain("Sopheaktra");
    expect(everything).not.toContain("sopheaktra_kh");
    expect(await rowsOf(sophea)).toEqual([]);
    const [tomb] = await env.db.select().from(users).where(eq(users.id, before!.id));
    expect(tomb).toMatchObject({
      telegramId: null,
      firstName: null,
      username: null,
      language: null,
      communeCode: null,
      sex: null,
      ageGroup: null,
      hasDisability: null,
      isIndigenous: null,
      hasIdPoor: null,
      consentedAt: null,
      onboardedAt: null,
    });
    expect(tomb!.tombstone).toMatch(/^[0-9a-f-]{36}$/);
    // No conversation state left behind in Redis for this chat.
    const keys = await env.redis.keys(`${env.redisPrefix}:conversation:*${sophea.id}*`);
    expect(keys).toEqual([]);

    // Writing again starts from scratch, as a new person.
    await sophea.send("/start");
    expect(sophea.buttons()).toEqual(["ខ្មែរ", "English"]);
    const [fresh] = await rowsOf(sophea);
    expect(fresh!.id).not.toBe(before!.id);
    expect(fresh!.onboardedAt).toBeNull();
    expect(fresh!.communeCode).toBeNull();
  });

  it("'No, keep' erases nothing", async () => {
    const p = h.person({ first_name: "Dara" });
    await onboard(p, "en");
    await p.send("/forget");
    await p.press("↩️ No, keep");
    expect(p.last().text).toContain("Nothing was erased");
    const [row] = await rowsOf(p);
    expect(row).toMatchObject({ firstName: "Dara", communeCode: communes.preaekChrey });
  });

  it("an old confirmation button has expired and erases nothing", async () => {
    const p = h.person({ first_name: "Kosal" });
    await onboard(p, "en");
    await p.send("/forget");
    const issuedLongAgo = Math.floor(Date.now() / 1000 - 3600).toString(36);
    await p.pressData(`fg:y:${issuedLongAgo}`);
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    expect(p.last().text).toBe("🏠 What would you like to do?");
    expect((await rowsOf(p))[0]?.firstName).toBe("Kosal");
  });

  it("runs every feature's hook inside the same transaction: a failing hook erases nothing", async () => {
    const p = h.person({ first_name: "Mealea" });
    await onboard(p, "en");
    const [row] = await rowsOf(p);
    const seen: number[] = [];
    await expect(
      forgetPerson(env.db, row!.id, [
        async (tx, userId) => {
          seen.push(userId);
          await tx.execute(sql`update users set username = 'changed by a hook' where id = ${userId}`);
        },
        async () => {
          throw new Error("hook failed");
        },
      ]),
    ).rejects.toThrow("hook failed");
    expect(seen).toEqual([row!.id]);
    const [after] = await rowsOf(p);
    expect(after).toMatchObject({ firstName: "Mealea", username: null, tombstone: null });

    await forgetPerson(env.db, row!.id, [async (tx, userId) => void (await tx.execute(sql`select ${userId}`))]);
    expect(await rowsOf(p)).toEqual([]);
  });
});
