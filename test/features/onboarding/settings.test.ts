import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema/index.js";
import { mainMenu } from "../../../src/features/onboarding/menu.js";
import { translator } from "../../../src/i18n.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { useHarness, type Person } from "../../support/harness.js";
import { onboard } from "../../support/onboarding.js";

const env = useTestEnvironment();
const h = useHarness(env);

const rowOf = async (p: Person) => (await env.db.select().from(users).where(eq(users.telegramId, p.id)))[0]!;

describe("/settings", () => {
  it("shows language, place, profile and news, and turns the news off and on", async () => {
    const p = h.person();
    await onboard(p, "en");
    await p.send("/settings");
    const text = p.last().text;
    expect(text).toContain("🗣 Language: English");
    expect(text).toContain("📍 Where you live: Sangkat Preaek Chrey, Krong Sampeou Poun, Kandal");
    expect(text).toContain("👤 About you: not given");
    expect(text).toContain("News of forums and meetings: on");

    await p.press("🔕 Stop the news");
    expect(p.toasts().at(-1)).toBe("✅ Saved.");
    expect(p.last().text).toContain("News of forums and meetings: off");
    expect((await rowOf(p)).announcements).toBe(false);
    await p.press("🔔 Get the news");
    expect((await rowOf(p)).announcements).toBe(true);
  });

  it("changes the language, and the screen speaks it at once", async () => {
    const p = h.person();
    await onboard(p, "en");
    await p.send("/settings");
    await p.press("🗣 Language");
    expect(p.buttons()).toEqual(["ខ្មែរ", "English", "↩️ Back"]);
    await p.press("ខ្មែរ");
    expect(p.last().text).toContain("✅ បានរក្សាទុក។");
    expect(p.last().text).toContain("🗣 ភាសា៖ ខ្មែរ");
    expect(p.last().text).toContain("សង្កាត់ព្រែកជ្រៃ ក្រុងសំពៅពូន ខេត្តកណ្តាល");
    expect((await rowOf(p)).language).toBe("km");
    await p.send("/menu");
    expect(p.buttons()).toEqual(["⭐ វាយតម្លៃសេវា", "📣 ដាក់បណ្ដឹង", "📋 បណ្ដឹងរបស់ខ្ញុំ", "🏛 វេទិកាសាធារណៈ", "⚙️ ការកំណត់", "❓ ជំនួយ"]);
  });

  it("changes the place with the picker, opened in the current district, on the same screen", async () => {
    const p = h.person();
    await onboard(p, "en");
    await p.send("/menu");
    await p.press("⚙️ Settings");
    const screen = p.last();
    await p.press("📍 Change place");
    expect(p.last().message_id).toBe(screen.message_id);
    expect(p.last().text).toContain("Krong Sampeou Poun, Kandal");
    await p.press("↩️ Back");
    await p.press("Srok Kandal Stueng");
    await p.press("▶");
    await p.press("▶");
    await p.press(/^Khum /);
    expect(p.last().text).toContain("✅ Saved.");
    expect(p.last().text).toContain("Srok Kandal Stueng, Kandal");
    expect((await rowOf(p)).communeCode).toMatch(/^0801/);
    expect(p.last().message_id).toBe(screen.message_id);
  });

  it("changes the profile, marking earlier answers", async () => {
    const p = h.person();
    await onboard(p, "en");
    await p.send("/settings");
    await p.press("👤 About you");
    await p.press("👩 A woman");
    for (let i = 0; i < 4; i++) await p.press("⏭ Skip");
    expect(p.last().text).toContain("👤 About you: A woman");
    await p.press("👤 About you");
    expect(p.buttons()).toContain("✓ 👩 A woman");
    await p.press("👨 A man");
    await p.press("31–45");
    await p.press("✅ Yes");
    await p.press("❌ No");
    await p.press("✅ Yes");
    expect(p.last().text).toContain("👤 About you: A man · 31–45 · disability · ID-Poor card");
    expect(await rowOf(p)).toMatchObject({ sex: "male", ageGroup: "31_45", hasDisability: true, isIndigenous: false, hasIdPoor: true });
  });

  it("sends people who have not started to /start", async () => {
    const p = h.person({ language_code: "en" });
    await p.send("/settings");
    expect(p.last().text).toContain("Please send /start");
    await p.pressData("st:news:off");
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    const row = await rowOf(p);
    expect(row.announcements).toBe(true);
  });
});

describe("the main menu", () => {
  it("puts every feature's entries in order and hides those above the person's role", () => {
    const entries = [
      { labelKey: "settings.menu_label", callbackData: "menu:settings", order: 900 },
      { labelKey: "onboarding.menu_help", callbackData: "menu:help", order: 1000 },
      { labelKey: "areas.back", callbackData: "menu:volunteer", order: 50, minRole: "volunteer" as const },
      { labelKey: "profile.skip", callbackData: "menu:first", order: 10 },
    ];
    const t = translator("en");
    const data = (role: "citizen" | "volunteer" | "admin") =>
      mainMenu(entries, { role }, t).keyboard!.inline_keyboard.flat().map((b) => ("callback_data" in b ? b.callback_data : ""));
    expect(data("citizen")).toEqual(["menu:first", "menu:settings", "menu:help"]);
    expect(data("volunteer")).toEqual(["menu:first", "menu:volunteer", "menu:settings", "menu:help"]);
    expect(data("admin")).toEqual(["menu:first", "menu:volunteer", "menu:settings", "menu:help"]);
  });
});
