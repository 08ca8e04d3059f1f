import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { councilLinkCodes, councils } from "../../../src/db/schema/index.js";
import { useTestEnvironment } from "../../support/env.js";
import { communes, districts, seedSmallGazetteer } from "../../support/areas.js";
import { createHarness, type Harness, type Person } from "../../support/harness.js";
import { citizen, staff } from "../complaints/support.js";

const env = useTestEnvironment();
let h: Harness;
let dara: Person;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h = await createHarness(env);
  dara = await staff(h, env);
});
afterAll(() => h.close());

async function codeFor(query: string): Promise<string> {
  await dara.send(`/linkcode ${query}`);
  const code = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(dara.last().text)?.[1];
  if (!code) throw new Error(dara.last().text);
  return code;
}

describe("link codes", () => {
  it("are for staff only", async () => {
    const sokha = await citizen(h, env, "km", communes.taPhou);
    await sokha.send(`/linkcode ${communes.taPhou}`);
    expect(sokha.last().text).toBe("មានតែបុគ្គលិក មតិ ទេ ដែលអាចបង្កើតលេខកូដភ្ជាប់បាន។");
    expect(await env.db.select().from(councilLinkCodes)).toHaveLength(0);
  });

  it("are stored hashed, valid 72 hours, and found by name too", async () => {
    await dara.send("/linkcode Svay Chek");
    // A commune and a district share the name: staff choose.
    expect(dara.last().text).toContain("Several places match");
    await dara.press(/Svay Chek district council \(0108\)/);
    const code = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(dara.last().text)![1]!;
    expect(dara.last().text).toContain("/link " + code);
    const [row] = await env.db.select().from(councilLinkCodes).where(eq(councilLinkCodes.areaCode, districts.svayChek));
    expect(row!.codeHash).not.toContain(code.replace("-", ""));
    expect(row!.codeHash).toMatch(/^[0-9a-f]{64}$/);
    const hours = (row!.expiresAt.getTime() - row!.createdAt.getTime()) / 3_600_000;
    expect(Math.round(hours)).toBe(72);
  });
});

describe("/link in a group", () => {
  it("only a group administrator may link, and a code works once", async () => {
    const code = await codeFor(communes.taPhou);
    const g = h.group("Ta Phou council");
    const member = g.member({ first_name: "Rith" }, "member");
    await member.send(`/link ${code}`);
    expect(g.last().text).toBe("មានតែអ្នកគ្រប់គ្រងក្រុមនេះទេ ដែលអាចភ្ជាប់ក្រុមទៅក្រុមប្រឹក្សាបាន។");
    expect(await env.db.select().from(councils)).toHaveLength(0);

    const admin = g.member({ first_name: "Sophal" }, "administrator");
    await admin.send(`/link ${code.toLowerCase()}`);
    expect(g.last().text).toContain("ក្រុមនេះត្រូវបានភ្ជាប់ទៅក្រុមប្រឹក្សាឃុំតាផូហើយ");
    const [council] = await env.db.select().from(councils).where(eq(councils.areaCode, communes.taPhou));
    expect(council).toMatchObject({ groupChatId: g.id, language: "km", linkedByTelegramId: admin.id });

    const other = h.group("Another group");
    const otherAdmin = other.member({}, "creator");
    await otherAdmin.send(`/link ${code}`);
    expect(other.last().text).toContain("ត្រូវបានប្រើរួចហើយ");
    const [still] = await env.db.select().from(councils).where(eq(councils.areaCode, communes.taPhou));
    expect(still!.groupChatId).toBe(g.id);
  });

  it("refuses an expired code", async () => {
    const code = await codeFor(communes.treas);
    await env.db.update(councilLinkCodes).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(councilLinkCodes.areaCode, communes.treas));
    const g = h.group("Treas council");
    await g.member({}, "administrator").send(`/link ${code}`);
    expect(g.last().text).toContain("ផុតកំណត់");
    expect(await env.db.select().from(councils).where(eq(councils.areaCode, communes.treas))).toHaveLength(0);
  });

  it("throttles wrong codes: 5 tries per group per hour, then even a right code waits", async () => {
    const good = await codeFor(communes.ponleyTakeo);
    const g = h.group("Ponley council");
    const admin = g.member({}, "administrator");
    for (let i = 0; i < 5; i++) {
      await admin.send(`/link WRNG-COD${i + 2}`);
      expect(g.last().text).toContain("មិនត្រឹមត្រូវ");
    }
    await admin.send(`/link ${good}`);
    expect(g.last().text).toContain("ច្រើនដងពេក");
    expect(await env.db.select().from(councils).where(eq(councils.areaCode, communes.ponleyTakeo))).toHaveLength(0);
    // Another group is not affected.
    const g2 = h.group("Ponley council, new group");
    await g2.member({}, "administrator").send(`/link ${good}`);
    expect(g2.last().text).toContain("✅");
  });

  it("moves a council to a new group, tells the old one; /unlink and /language are for admins", async () => {
    const first = h.group("Preaek Chrey old");
    const second = h.group("Preaek Chrey new");
    await first.member({}, "administrator").send(`/link ${await codeFor(communes.preaekChrey)}`);
    const admin = second.member({ first_name: "Kanha" }, "administrator");
    await admin.send(`/link ${await codeFor(communes.preaekChrey)}`);
    expect(first.last().text).toContain("ឥឡូវភ្ជាប់ទៅក្រុមផ្សេងហើយ");
    const [council] = await env.db.select().from(councils).where(eq(councils.areaCode, communes.preaekChrey));
    expect(council!.groupChatId).toBe(second.id);

    const member = second.member({}, "member");
    await member.send("/language");
    expect(second.last().text).toBe("មានតែអ្នកគ្រប់គ្រងក្រុមទេ ដែលអាចធ្វើបាន។");
    await admin.send("/language");
    await member.press("English");
    expect(member.toasts().at(-1)).toBe("មានតែអ្នកគ្រប់គ្រងក្រុមទេ ដែលអាចធ្វើបាន។");
    await admin.press("English");
    expect(second.last().text).toBe("✅ The bot now speaks English in this group.");
    await member.send("/unlink");
    expect(second.last().text).toBe("Only a group administrator can do this.");
    await admin.send("/unlink");
    expect(second.last().text).toContain("no longer linked to Preaek Chrey sangkat council");
    const [after] = await env.db.select().from(councils).where(eq(councils.areaCode, communes.preaekChrey));
    expect(after!.groupChatId).toBeNull();
  });
});
