import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema/index.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { useHarness, type Person } from "../../support/harness.js";
import { onboard, reachPicker } from "../../support/onboarding.js";

const env = useTestEnvironment();
const h = useHarness(env);

const rowOf = async (p: Person) => (await env.db.select().from(users).where(eq(users.telegramId, p.id)))[0]!;

describe("first time: /start to the main menu", () => {
  it("walks a Khmer speaker through language, consent, place and profile, on one message", async () => {
    const sokha = h.person({ first_name: "Sokha", language_code: "km" });
    await sokha.send("/start");
    expect(sokha.last().text).toContain("សូមស្វាគមន៍");
    expect(sokha.last().text).toContain("Welcome to Mati");
    expect(sokha.buttons()).toEqual(["ខ្មែរ", "English"]);

    await sokha.press("ខ្មែរ");
    expect(sokha.last().text).toContain("យ៉ាងតិច ៥ នាក់");
    expect(sokha.last().text).toContain("/forget");
    expect(sokha.buttons()).toEqual(["✅ យល់ព្រម", "⏸ មិនទាន់ទេ"]);

    await sokha.press("✅ យល់ព្រម");
    expect(sokha.last().text).toContain("តើអ្នករស់នៅទីណា?");
    expect(sokha.buttons()).toEqual(["បន្ទាយមានជ័យ", "កណ្តាល", "ភ្នំពេញ", "តាកែវ"]);
    await sokha.press("កណ្តាល");
    expect(sokha.buttons()).toEqual(["ស្រុកកណ្ដាលស្ទឹង", "ក្រុងសំពៅពូន", "↩️ ត្រឡប់ក្រោយ"]);
    await sokha.press("ក្រុងសំពៅពូន");
    expect(sokha.last().text).toContain("ក្រុងសំពៅពូន ខេត្តកណ្តាល");
    await sokha.press("សង្កាត់ព្រែកជ្រៃ");

    expect(sokha.last().text).toContain("អំពីអ្នក (១/៥)");
    expect(sokha.last().text).toContain("ប្រើសម្រាប់តែរាប់ចំនួនក្នុងរបាយការណ៍");
    expect(sokha.buttons()).toEqual(["👩 ស្រី", "👨 ប្រុស", "ផ្សេងៗ", "🤐 មិនចង់ប្រាប់", "⏭ រំលង", "⏩ រំលងទាំងអស់"]);
    await sokha.press("👩 ស្រី");
    expect(sokha.buttons()).toContain("១៥–៣០ (យុវជន)");
    await sokha.press("១៥–៣០ (យុវជន)");
    expect(sokha.last().text).toContain("ពិការភាព");
    await sokha.press("✅ មាន");
    expect(sokha.last().text).toContain("ជនជាតិដើម");
    await sokha.press("⏭ រំលង");
    expect(sokha.last().text).toContain("ប័ណ្ណក្រីក្រ");
    await sokha.press("❌ គ្មាន");

    expect(sokha.last().text).toContain("សង្កាត់ព្រែកជ្រៃ ក្រុងសំពៅពូន ខេត្តកណ្តាល");
    expect(sokha.last().text).toContain("🏠 តើអ្នកចង់ធ្វើអ្វី?");
    expect(sokha.buttons()).toEqual(["⭐ វាយតម្លៃសេវា", "📣 ដាក់បណ្ដឹង", "📋 បណ្ដឹងរបស់ខ្ញុំ", "🏛 វេទិកាសាធារណៈ", "⚙️ ការកំណត់", "❓ ជំនួយ"]);
    // Everything happened on the one message.
    expect(sokha.messages()).toHaveLength(1);

    const row = await rowOf(sokha);
    expect(row).toMatchObject({
      language: "km",
      communeCode: communes.preaekChrey,
      sex: "female",
      ageGroup: "15_30",
      hasDisability: true,
      isIndigenous: null,
      hasIdPoor: false,
    });
    expect(row.consentedAt).toBeInstanceOf(Date);
    expect(row.onboardedAt).toBeInstanceOf(Date);
  });

  it("walks an English speaker through by typing the commune's name", async () => {
    const dara = h.person({ language_code: "km" });
    await reachPicker(dara, "en");
    expect(dara.last().text).toContain("Where do you live?");
    await dara.send("Ta Phou");
    expect(dara.last().text).toContain("About you (1/5)");
    expect(dara.last().text).toContain("Used only for counts in reports");
    await dara.press("🤐 Prefer not to say");
    await dara.press("61 or older");
    for (let i = 0; i < 3; i++) await dara.press("⏭ Skip");
    expect(dara.last().text).toContain("Khum Ta Phou, Srok Svay Chek, Banteay Meanchey");
    expect(dara.last().text).toContain("What would you like to do?");
    expect(dara.buttons()).toEqual(["⭐ Rate a service", "📣 Report a problem", "📋 My complaints", "🏛 Public forums", "⚙️ Settings", "❓ Help"]);
    expect(await rowOf(dara)).toMatchObject({ language: "en", communeCode: communes.taPhou, sex: "undisclosed", ageGroup: "61_plus", hasDisability: null });
  });

  it("gives the main menu to someone who finished, on /start and /menu", async () => {
    const vanna = h.person();
    await onboard(vanna, "en");
    await vanna.send("/start");
    expect(vanna.last().text).toBe("🏠 What would you like to do?");
    expect(vanna.buttons()).toEqual(["⭐ Rate a service", "📣 Report a problem", "📋 My complaints", "🏛 Public forums", "⚙️ Settings", "❓ Help"]);
    await vanna.send("/menu");
    expect(vanna.last().text).toBe("🏠 What would you like to do?");
    await vanna.press("❓ Help");
    expect(vanna.last().text).toContain("/forget");
    await vanna.press("🏠 Main menu");
    expect(vanna.last().text).toBe("🏠 What would you like to do?");
  });

  it("'Not now' stores no consent and ends; /start asks again from the beginning", async () => {
    const chan = h.person();
    await chan.send("/start");
    await chan.press("English");
    await chan.press("⏸ Not now");
    expect(chan.last().text).toContain("Send /start whenever you are ready");
    expect(chan.buttons()).toEqual([]);
    const row = await rowOf(chan);
    expect(row.consentedAt).toBeNull();
    expect(row.onboardedAt).toBeNull();
    await chan.send("/start");
    expect(chan.buttons()).toEqual(["ខ្មែរ", "English"]);
  });

  it("/privacy repeats the notice", async () => {
    const srey = h.person({ language_code: "en" });
    await srey.send("/privacy");
    expect(srey.last().text).toContain("at least 5 people");
    expect(srey.last().text).toContain("without your name");
  });
});

describe("/language and delivery", () => {
  it("/language changes the language at any time", async () => {
    const p = h.person({ language_code: "km" });
    await onboard(p, "km");
    await p.send("/language");
    expect(p.buttons()).toEqual(["ខ្មែរ", "English"]);
    await p.press("English");
    expect(p.messages().at(-2)!.text).toContain("Mati will speak to you in English");
    expect(p.last().text).toBe("🏠 What would you like to do?");
    expect((await rowOf(p)).language).toBe("en");
  });

  it("ignores the same update delivered twice", async () => {
    const kosal = h.person();
    const update = h.fake.messageFrom(kosal.user, kosal.chat, { text: "/start" });
    await h.deliver(update);
    await h.deliver(update);
    expect(kosal.messages()).toHaveLength(1);
  });
});

describe("deep links from posters", () => {
  it("/start c_010806 offers that commune, and Yes takes it", async () => {
    const p = h.person();
    await p.send(`/start c_${communes.taPhou}`);
    await p.press("English");
    await p.press("✅ I agree");
    expect(p.last().text).toContain("Is this where you live?");
    expect(p.last().text).toContain("Khum Ta Phou, Srok Svay Chek, Banteay Meanchey");
    await p.press("✅ Yes");
    expect(p.last().text).toContain("About you (1/5)");
    expect((await rowOf(p)).communeCode).toBe(communes.taPhou);
  });

  it("'Choose another place' opens the picker in that district", async () => {
    const p = h.person();
    await p.send(`/start c_${communes.taPhou}`);
    await p.press("English");
    await p.press("✅ I agree");
    await p.press("🔎 Choose another place");
    expect(p.last().text).toContain("Srok Svay Chek, Banteay Meanchey");
    await p.press("Khum Treas");
    expect((await rowOf(p)).communeCode).toBe(communes.treas);
  });

  it("an unknown commune code is said politely, then the normal picker", async () => {
    const p = h.person();
    await p.send("/start c_999999");
    await p.press("English");
    await p.press("✅ I agree");
    expect(p.last().text).toContain("I do not know the place in the link");
    expect(p.buttons()).toEqual(["Banteay Meanchey", "Kandal", "Phnom Penh", "Takéo"]);
    await p.send("/start c_");
    expect(p.last().text).toContain("Where do you live?");
  });

  it("a payload that belongs to nobody gets the normal flow", async () => {
    const p = h.person();
    await p.send("/start zz_whatever");
    expect(p.buttons()).toEqual(["ខ្មែរ", "English"]);
  });
});
