import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ratings, ratingScores, users, volunteerCommunes } from "../../../src/db/schema/index.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { returningCitizen } from "../../support/onboarding.js";
import { useHarness, type Person } from "../../support/harness.js";

const env = useTestEnvironment();
const h = useHarness(env);

async function volunteer(lang: "km" | "en", codes: string[]): Promise<{ p: Person; id: number }> {
  const p = await returningCitizen(h, env.db, { lang, role: "volunteer" });
  const [row] = await env.db.select().from(users).where(eq(users.telegramId, p.id));
  if (codes.length) await env.db.insert(volunteerCommunes).values(codes.map((communeCode) => ({ userId: row!.id, communeCode })));
  return { p, id: row!.id };
}

describe("recording an interview", () => {
  it("in Khmer: commune, respondent, two services, saved as interviews of the volunteer with no respondent identity", async () => {
    const { p, id } = await volunteer("km", [communes.taPhou, communes.treas]);
    await p.send("/interview");
    expect(p.buttons()).toEqual(["ឃុំតាផូ", "ឃុំទ្រាស"]);
    await p.press("ឃុំទ្រាស");
    expect(p.last().text).toContain("១/៥");
    expect(p.last().text).toContain("មិនបញ្ចេញឈ្មោះ");
    await p.press("👩 ស្រី");
    await p.press("១៥–៣០ (យុវជន)");
    await p.press("មិនមែន"); // disability
    await p.press("មិនបានសួរ"); // minority
    await p.press("មែន"); // ID-Poor
    expect(p.last().text).toContain("តើអ្នកឆ្លើយចង់វាយតម្លៃសេវាមួយណា?");
    await p.press("មណ្ឌលសុខភាព");
    await p.press(/រំលង/);
    for (let i = 0; i < 6; i++) await p.press(/^🙁/);
    await p.press("មាន");
    await p.press("✅ ផ្ញើ");
    expect(p.last().text).toContain("បានរក្សាទុក៖ មណ្ឌលសុខភាព");
    await p.press("➕ សេវាផ្សេងទៀត");
    expect(p.buttons()).not.toContain("មណ្ឌលសុខភាព");
    await p.press("ផ្លូវក្នុងមូលដ្ឋាន");
    for (let i = 0; i < 4; i++) await p.press(/^😐/);
    await p.press("✅ ផ្ញើ");
    await p.press("✅ បញ្ចប់ការសម្ភាសន៍នេះ");
    expect(p.last().text).toContain("ការវាយតម្លៃដែលបានរក្សាទុក៖ ២");
    expect(p.last().text).toContain("ឃុំទ្រាស៖ ការសម្ភាសន៍ ១ (ការវាយតម្លៃ ២)");

    const rows = await env.db.select().from(ratings).where(eq(ratings.volunteerUserId, id)).orderBy(ratings.id);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ source: "interview", raterUserId: null, communeCode: communes.treas, sex: "female", ageGroup: "15_30", disability: false, minority: null, idPoor: true });
    }
    expect(rows[0]!.interviewId).toBe(rows[1]!.interviewId);
    expect(rows[0]!.informalPayment).toBe("yes");
    expect(await env.db.select().from(ratingScores).where(eq(ratingScores.ratingId, rows[1]!.id))).toHaveLength(4);
  });

  it("in English: one commune asks no commune, 'not asked' stores nothing, and the counts add up per commune", async () => {
    const { p, id } = await volunteer("en", [communes.taPhou]);
    for (let n = 0; n < 2; n++) {
      await p.send("/interview");
      expect(p.last().text).toContain("about the respondent 1/5");
      for (let i = 0; i < 5; i++) await p.press("Not asked");
      await p.press("Water supply");
      for (let i = 0; i < 4; i++) await p.press(/^🙂/);
      await p.press("✅ Send");
      await p.press("✅ Finish this interview");
    }
    expect(p.last().text).toContain("Khum Ta Phou: 2 interviews (2 ratings)");
    const rows = await env.db.select().from(ratings).where(eq(ratings.volunteerUserId, id));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ sex: null, ageGroup: null, disability: null, minority: null, idPoor: null, raterUserId: null });
    expect(rows[0]!.interviewId).not.toBe(rows[1]!.interviewId);
    await p.send("/myinterviews");
    expect(p.last().text).toBe("📊 Your interviews this month:\nKhum Ta Phou: 2 interviews (2 ratings)");
    await p.pressData("menu:myinterviews");
    expect(p.last().text).toBe("📊 Your interviews this month:\nKhum Ta Phou: 2 interviews (2 ratings)");
  });

  it("a citizen cannot record interviews; a volunteer without communes is told so", async () => {
    const citizen = await returningCitizen(h, env.db, { lang: "km" });
    await citizen.send("/interview");
    expect(citizen.last().text).toContain("សម្រាប់អ្នកស្ម័គ្រចិត្ត");
    await citizen.pressData("menu:interview");
    expect(citizen.last().text).toContain("សម្រាប់អ្នកស្ម័គ្រចិត្ត");
    await citizen.send("/myinterviews");
    expect(citizen.last().text).toContain("សម្រាប់អ្នកស្ម័គ្រចិត្ត");

    const { p } = await volunteer("en", []);
    await p.send("/interview");
    expect(p.last().text).toContain("You have no commune");
    await p.send("/myinterviews");
    expect(p.last().text).toBe("You have not recorded any interviews this month yet.");
  });

  it("the database refuses an interview that names a respondent", async () => {
    const { id } = await volunteer("en", [communes.taPhou]);
    await expect(
      env.db.insert(ratings).values({ service: "owso", communeCode: communes.taPhou, source: "interview", volunteerUserId: id, raterUserId: id }),
    ).rejects.toThrow();
  });
});
