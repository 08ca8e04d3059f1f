/** /stats in a council's group, /digest and /compare for staff: who may, and what they see. */
import { describe, expect, it } from "vitest";
import { communes, districts, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, eventually } from "../../support/harness.js";
import { returningCitizen } from "../../support/onboarding.js";
import { linkCouncil, staff } from "../complaints/support.js";
import { seedRating, seedUser } from "./support.js";

const env = useTestEnvironment();

describe("digest commands", () => {
  it("/stats in a linked group, /digest and /compare for staff only, the send button once", async () => {
    await seedSmallGazetteer(env.db);
    const h = await createHarness(env);
    await h.app.startWorkers();
    try {
      // Six ratings this week in Ta Phou, five in Treas (Svay Chek district).
      const now = new Date();
      for (let i = 0; i < 6; i++) {
        await seedRating(env.db, { service: "health_centre", commune: communes.taPhou, at: now, by: await seedUser(env.db), scores: { attitude: i < 3 ? 5 : 2 }, sex: i < 4 ? "female" : "male" });
      }
      // Last week: Ta Phou 5 ratings all satisfied, Treas 5 none; Svay Chek's other communes none.
      const lastWeek = new Date(now.getTime() - 7 * 86_400_000);
      for (const [commune, score] of [[communes.taPhou, 5], [communes.treas, 2]] as const) {
        for (let i = 0; i < 5; i++) await seedRating(env.db, { service: "primary_school", commune, at: lastWeek, by: await seedUser(env.db), scores: { teacher_punctual: score } });
      }
      const dara = await staff(h, env);
      const group = h.group("Ta Phou council");
      await linkCouncil(dara, group, communes.taPhou);
      const member = group.member({ first_name: "Vanna" });

      await member.send("/stats");
      const [text, chart] = group.messages().slice(-2);
      expect(text!.text).toContain("📊 សប្ដាហ៍នេះរហូតមកដល់ពេលនេះ៖ ក្រុមប្រឹក្សាឃុំតាផូ");
      expect(text!.text).toContain("👥 ការវាយតម្លៃ៖ ៦ ពីប្រជាពលរដ្ឋ ៦ នាក់ (ស្ត្រី ៤)");
      expect(text!.text).toContain("• មណ្ឌលសុខភាព៖ ");
      expect(chart!.kind).toBe("photo");

      const other = h.group("Not a council");
      await other.member().send("/stats");
      expect(other.last().text).toContain("មិនទាន់ភ្ជាប់");

      const citizen = await returningCitizen(h, env.db, { lang: "en", communeCode: communes.taPhou });
      await citizen.send(`/digest ${communes.taPhou}`);
      expect(citizen.last().text).toBe("Only Mati staff can do this.");
      await citizen.send(`/compare ${districts.svayChek}`);
      expect(citizen.last().text).toBe("Only Mati staff can do this.");
      await citizen.pressData(`dg:s:${communes.taPhou}`);
      expect(citizen.toasts().at(-1)).toBe("Only Mati staff can do this.");

      await dara.send("/digest");
      expect(dara.last().text).toContain("Send /digest followed by");
      await dara.send("/digest 999999");
      expect(dara.last().text).toBe("No commune or district has the code «999999».");
      await dara.send(`/digest ${communes.taPhou}`);
      const preview = dara.messages().slice(-3);
      expect(preview[0]!.text).toContain("📊 Weekly digest: Ta Phou commune council");
      expect(preview[1]!.kind).toBe("photo");
      expect(preview[2]!.text).toContain("not sent yet for this week");
      const groupBefore = group.messages().length;
      await dara.press("📤 Send to the council's group");
      expect(dara.toasts().at(-1)).toBe("Sent to the council's group.");
      await eventually(() => expect(group.messages().slice(groupBefore).map((m) => m.kind)).toEqual(["text", "photo"]));
      expect(group.messages().at(-2)!.text).toContain("📊 សេចក្ដីសង្ខេបប្រចាំសប្ដាហ៍");
      // The same (stale) button again, a forged one, and an unknown one: each answered.
      await dara.pressData(`dg:s:${communes.taPhou}`, preview[2]);
      expect(dara.toasts().at(-1)).toBe("Already sent for this week.");
      await dara.pressData(`dg:s:${communes.treas}`, preview[2]);
      expect(dara.toasts().at(-1)).toBe("This council has no linked group.");
      await dara.pressData("dg:zz", preview[2]);
      expect(dara.toasts().at(-1)).toBe("This button has expired.");
      // Five presses, five answers.
      expect(h.fake.callsTo("answerCallbackQuery")).toHaveLength(5);

      await dara.send(`/compare ${communes.taPhou}`);
      expect(dara.last().text).toBe(`«${communes.taPhou}» is not a district code (4 digits).`);
      await dara.send(`/compare ${districts.svayChek}`);
      expect(dara.last().text).toContain("Srok Svay Chek: communes last week");
      const lines = dara.last().text.split("\n");
      expect(lines[2]).toBe("1. Khum Ta Phou: 100% satisfied · 5 ratings");
      expect(lines[3]).toBe("2. Khum Treas: 0% satisfied · 5 ratings");
      expect(lines.at(-1)).toMatch(/^Not enough ratings \(fewer than 5\): Khum .+/);
    } finally {
      await h.close();
    }
  });
});
