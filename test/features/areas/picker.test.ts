import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema/index.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, useHarness, type Person } from "../../support/harness.js";
import { reachPicker } from "../../support/onboarding.js";

const env = useTestEnvironment();
const h = useHarness(env);

const communeOf = async (p: Person) => (await env.db.select().from(users).where(eq(users.telegramId, p.id)))[0]?.communeCode;
const answered = () => h.fake.callsTo("answerCallbackQuery").length;

describe("the location picker: typing a name", () => {
  it("finds Kandal typed with coeng DA (stored with coeng TA), province first, then the district", async () => {
    const p = h.person();
    await reachPicker(p, "km");
    await p.send("កណ្ដាល");
    expect(p.last().text).toContain("«កណ្ដាល»");
    expect(p.buttons()).toEqual(["កណ្តាល", "ស្រុកកណ្ដាលស្ទឹង · កណ្តាល", "↩️ ត្រឡប់ក្រោយ"]);
    await p.press("កណ្តាល");
    expect(p.buttons()).toEqual(["ស្រុកកណ្ដាលស្ទឹង", "ក្រុងសំពៅពូន", "↩️ ត្រឡប់ក្រោយ"]);
  });

  it("opens the district typed with coeng TA although the gazetteer writes it with coeng DA", async () => {
    const p = h.person();
    await reachPicker(p, "km");
    await p.send("ស្រុក កណ្តាលស្ទឹង");
    expect(p.last().text).toContain("ស្រុកកណ្ដាលស្ទឹង ខេត្តកណ្តាល");
    expect(p.buttons()).toContain("▶");
  });

  it("takes a popular spelling straight to the one commune it names", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    await p.send("prek chrey");
    expect(p.last().text).toContain("About you (1/5)");
    expect(await communeOf(p)).toBe(communes.preaekChrey);
    // The picker's message went away; the next step is under what the person typed.
    expect(p.messages()).toHaveLength(1);
  });

  it("lists communes of the same name with their district and province, and takes the one chosen", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    await p.send("Ponley");
    expect(p.buttons()).toEqual([
      "Khum Ponley · Srok Phnum Srok · Banteay Meanchey",
      "Khum Ponley · Srok Angkor Borei · Takéo",
      "↩️ Back",
    ]);
    await p.press("Khum Ponley · Srok Angkor Borei · Takéo");
    expect(await communeOf(p)).toBe(communes.ponleyTakeo);
  });

  it("says when nothing matches and keeps the keyboard", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    await p.press("Kandal");
    await p.send("Atlantis");
    expect(p.last().text).toContain("I found no place called «Atlantis»");
    expect(p.buttons()).toEqual(["Srok Kandal Stueng", "Krong Sampeou Poun", "↩️ Back"]);
    expect(p.messages()).toHaveLength(1);
  });
});

describe("the location picker: buttons", () => {
  it("pages 8 at a time with ◀ ▶, in Khmer digits, and Back climbs one level at a time", async () => {
    const p = h.person();
    await reachPicker(p, "km");
    await p.press("កណ្តាល");
    await p.press("ស្រុកកណ្ដាលស្ទឹង");
    const names = (buttons: string[]) => buttons.filter((b) => b.startsWith("ឃុំ"));
    expect(names(p.buttons())).toHaveLength(8);
    expect(p.last().text).toContain("ទំព័រទី ១ ក្នុងចំណោម ៣");
    expect(p.buttons().slice(-2)).toEqual(["▶", "↩️ ត្រឡប់ក្រោយ"]);
    const first = names(p.buttons());

    await p.press("▶");
    expect(p.last().text).toContain("ទំព័រទី ២ ក្នុងចំណោម ៣");
    expect(p.buttons().slice(-3)).toEqual(["◀", "▶", "↩️ ត្រឡប់ក្រោយ"]);
    expect(names(p.buttons())).not.toEqual(first);
    await p.press("▶");
    expect(names(p.buttons())).toHaveLength(2); // 18 communes: 8 + 8 + 2
    await p.press("◀");
    await p.press("◀");
    expect(names(p.buttons())).toEqual(first);

    await p.press("↩️ ត្រឡប់ក្រោយ");
    expect(p.buttons()).toEqual(["ស្រុកកណ្ដាលស្ទឹង", "ក្រុងសំពៅពូន", "↩️ ត្រឡប់ក្រោយ"]);
    await p.press("↩️ ត្រឡប់ក្រោយ");
    expect(p.buttons()).toEqual(["បន្ទាយមានជ័យ", "កណ្តាល", "ភ្នំពេញ", "តាកែវ"]);
    // Phnom Penh's units are khan and sangkat.
    await p.press("ភ្នំពេញ");
    expect(p.buttons()).toContain("ខណ្ឌចំការមន");
    expect(p.messages()).toHaveLength(1);
  });

  it("Back from search results returns to where the person was", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    await p.press("Takéo");
    await p.send("Ponley");
    await p.press("↩️ Back");
    expect(p.buttons()).toEqual(["Srok Angkor Borei", "↩️ Back"]);
  });

  it("answers forged picker buttons politely and stays where it was", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    await p.press("Kandal");
    const before = p.last().text;
    for (const forged of ["ap:o:99", "ap:c:0108", "ap:c:999999", "ap:pg:08:7", "ap:pg:-:-1", "ap:o:010806", "ap:zz", "x".repeat(64)]) {
      const n = answered();
      await p.pressData(forged);
      expect(answered()).toBe(n + 1);
      expect(p.toasts().at(-1)).toBe("This button has expired.");
    }
    expect(p.last().text).toBe(before);
    expect(await communeOf(p)).toBeNull();
  });
});

describe("bad input while onboarding", () => {
  it("asks the language again, with a hint, after text or a sticker", async () => {
    const p = h.person({ language_code: "en" });
    await p.send("/start");
    await p.send("hello");
    expect(p.last().text).toMatch(/^👇 Please tap one of the buttons below\./);
    expect(p.buttons()).toEqual(["ខ្មែរ", "English"]);
    await p.sendSticker();
    expect(p.last().text).toMatch(/^👇/);
    // The question moved below; the old copy is gone.
    expect(p.messages()).toHaveLength(1);
    await p.press("English");
    expect(p.last().text).toContain("Do you agree?");
  });

  it("answers a forged button on the question and keeps the question", async () => {
    const p = h.person();
    await p.send("/start");
    const n = answered();
    await p.pressData("o:lang:fr");
    await p.pressData("o:ok:y"); // a later step's button, not this one's
    expect(answered()).toBe(n + 2);
    expect(p.buttons()).toEqual(["ខ្មែរ", "English"]);
  });

  it("re-asks the consent question after a photo, a voice note or a location", async () => {
    const p = h.person();
    await p.send("/start");
    await p.press("English");
    await p.sendPhoto();
    await p.sendVoice();
    await p.sendLocation(11.5, 104.9);
    expect(p.last().text).toMatch(/^👇/);
    expect(p.last().text).toContain("Do you agree?");
    expect(p.messages()).toHaveLength(1);
  });

  it("/start in the middle carries on at the same step; other commands ask to finish first", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    await p.press("Kandal");
    await p.send("/start");
    expect(p.last().text).toContain("Let's carry on where we stopped.");
    expect(p.last().text).toContain("Kandal");
    await p.send("/settings");
    expect(p.last().text).toContain("Send /cancel to stop.");
    expect(p.buttons()).toEqual(["Srok Kandal Stueng", "Krong Sampeou Poun", "↩️ Back"]);
  });

  it("a sticker in the picker gets a hint and the same step", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    await p.press("Banteay Meanchey");
    await p.sendSticker();
    expect(p.last().text).toMatch(/^👇/);
    expect(p.last().text).toContain("Choose your district");
    expect(p.buttons()).toContain("Srok Svay Chek");
  });

  it("a button from an older message gets 'expired' and the current step again", async () => {
    const p = h.person();
    await p.send("/language");
    const old = p.last();
    await reachPicker(p, "en");
    const n = answered();
    await p.pressData("lang:km", old);
    expect(answered()).toBe(n + 1);
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    expect(p.last().text).toContain("That button was on an older message");
    expect(p.last().text).toContain("Where do you live?");
  });

  it("/cancel leaves cleanly; the old buttons then say expired and point to /start", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    const picker = p.last();
    await p.send("/cancel");
    expect(p.last().text).toContain("Cancelled");
    await p.press("Kandal", picker);
    expect(p.toasts().at(-1)).toBe("This button has expired.");
    expect(p.last().text).toContain("Please send /start");
    await p.send("hello");
    expect(p.last().text).toContain("I didn't understand");
  });

  it("a button of a finished onboarding gets 'expired' and the main menu", async () => {
    const p = h.person();
    await reachPicker(p, "en");
    const picker = p.last();
    await p.send("Ta Phou");
    for (let i = 0; i < 5; i++) await p.press("⏭ Skip");
    await p.pressData("o:ok:y", picker);
    await p.pressData("pf:sex:f");
    expect(p.toasts().slice(-2)).toEqual(["This button has expired.", "This button has expired."]);
    expect(p.last().text).toBe("🏠 What would you like to do?");
    expect(p.buttons()).toEqual(["⭐ Rate a service", "📣 Report a problem", "📋 My complaints", "🏛 Public forums", "⚙️ Settings", "❓ Help"]);
  });
});

describe("a restart between steps", () => {
  it("resumes at the same step, from the state kept in Redis", async () => {
    const first = await createHarness(env);
    const before = first.person();
    await before.send("/start");
    await before.press("English");
    await first.close();

    const second = await createHarness(env, {}, { fake: first.fake });
    try {
      const p = second.adopt(before);
      await p.press("✅ I agree");
      expect(p.last().text).toContain("Where do you live?");
      await p.press("Kandal");
      await second.close();

      const third = await createHarness(env, {}, { fake: first.fake });
      try {
        const q = third.adopt(p);
        await q.press("Krong Sampeou Poun");
        await q.press("Sangkat Preaek Chrey");
        for (let i = 0; i < 5; i++) await q.press("⏭ Skip");
        expect(q.last().text).toContain("What would you like to do?");
        expect(q.messages()).toHaveLength(1);
        expect(await communeOf(q)).toBe(communes.preaekChrey);
      } finally {
        await third.close();
      }
    } finally {
      await second.close();
    }
  });
});
