/** /broadcast as staff use it: message → audience → preview with the count → send → live progress → report. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { broadcasts } from "../../../src/db/schema/index.js";
import { communes, districts, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, eventually, type Harness, type Person } from "../../support/harness.js";
import { registered } from "../../support/people.js";

const env = useTestEnvironment();
let h: Harness;
let staff: Person;
let svayChek1: Person, svayChek2: Person, takeo: Person;

beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h = await createHarness(env);
  h.startWorkers();
  staff = await registered(env, h, { role: "staff", language: "km" });
  svayChek1 = await registered(env, h, { communeCode: communes.taPhou, language: "en" });
  svayChek2 = await registered(env, h, { communeCode: communes.treas });
  takeo = await registered(env, h, { communeCode: communes.ponleyTakeo });
});
afterAll(() => h.close());

describe("/broadcast", () => {
  it("asks for the message, the audience and areas, previews with the count, and sends on confirmation", async () => {
    await staff.send("/broadcast");
    expect(staff.last().text).toContain("ការផ្សាយសារថ្មី");
    await staff.sendSticker();
    expect(staff.last().text).toBe("សូមផ្ញើអត្ថបទ ឬរូបភាពមួយជាមួយចំណងជើង។");
    await staff.send("x".repeat(4097));
    expect(staff.last().text).toContain("៤.០៩៧");
    await staff.send("Water will be cut on Saturday in Svay Chek.");
    await staff.press("👥 ពលរដ្ឋនៅតំបន់មួយចំនួន");
    await staff.send("Nowhere-ville");
    expect(staff.last().text).toContain("រកមិនឃើញ");
    await staff.send("Svay Chek");
    // Both the district and the commune are called Svay Chek: staff choose.
    expect(staff.buttons()).toEqual(["ស្រុកស្វាយចេក · 0108", "ឃុំស្វាយចេក · 010804"]);
    await staff.press("ស្រុកស្វាយចេក · 0108");
    await staff.press("✅ រួចរាល់");
    const [heading, preview, confirm] = staff.messages().slice(-3);
    expect(heading!.text).toContain("នេះជារបៀប");
    expect(preview!.text).toBe("Water will be cut on Saturday in Svay Chek.");
    expect(confirm!.text).toContain("មនុស្ស ២ នាក់");
    expect(confirm!.text).toContain(districts.svayChek);
    await staff.press("📣 ផ្ញើឥឡូវនេះ");

    for (const p of [svayChek1, svayChek2]) await eventually(() => expect(p.last().text).toBe("Water will be cut on Saturday in Svay Chek."));
    expect(takeo.messages().some((m) => m.text.includes("Water"))).toBe(false);
    const report = await eventually(() => {
      const found = staff.messages().find((m) => m.text.startsWith("✅ ការផ្សាយសារលេខ"));
      expect(found).toBeDefined();
      return found!;
    }, 15_000);
    expect(report.text).toContain("បានទៅដល់៖ ២ ក្នុងចំណោម ២");
    const [row] = await env.db.select().from(broadcasts);
    expect(row).toMatchObject({ kind: "announcement", status: "done", audience: { kind: "citizens", areaCodes: [districts.svayChek] } });
  });

  it("can send a photo with a caption to everyone, or be cancelled at the preview", async () => {
    await staff.send("/broadcast");
    await staff.sendPhoto("Forum photos");
    await staff.press("🇰🇭 ពលរដ្ឋទាំងអស់");
    expect(staff.messages().at(-2)!.kind).toBe("photo");
    expect(staff.last().text).toContain("មនុស្ស ៤ នាក់"); // everyone with announcements on, staff included
    await staff.press("✖️ បោះបង់");
    expect(staff.last().text).toBe("បានបោះបង់។ មិនបានផ្ញើអ្វីទេ។");
    expect(await env.db.select().from(broadcasts)).toHaveLength(1);
  });
});
