/**
 * Issue 3's promise: a first-time person reaches a saved rating in under 15
 * taps, in Khmer and in English. Taps are button presses; typing the
 * commune's name is allowed (the picker invites it). Set MATI_TRANSCRIPT=dir
 * to write what the person saw, message by message.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ratings, ratingScores, users } from "../../src/db/schema/index.js";
import { communes } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { useHarness, type Person } from "../support/harness.js";
import { writeTranscript } from "../support/transcript.js";

const env = useTestEnvironment();
const h = useHarness(env);

/** Presses buttons like a person and remembers every screen they saw. */
function recorder(person: Person) {
  const seen: string[] = [];
  let taps = 0;
  const snapshot = (action: string) => {
    const last = person.last();
    const buttons = last.buttons.map((row) => row.map((b) => `[${b.text}]`).join(" ")).join("\n");
    seen.push(`» ${action}\n${last.text}${buttons ? `\n${buttons}` : ""}`);
  };
  return {
    async type(text: string) {
      await person.send(text);
      snapshot(`types “${text}”`);
    },
    async tap(label: string | RegExp) {
      await person.press(label);
      taps++;
      snapshot(`taps ${String(label)}`);
    },
    get taps() {
      return taps;
    },
    transcript: () => seen.join("\n\n"),
  };
}

async function savedRatingOf(person: Person) {
  const [user] = await env.db.select().from(users).where(eq(users.telegramId, person.id));
  const rows = await env.db.select().from(ratings).where(eq(ratings.raterUserId, user!.id));
  const scores = rows[0] ? await env.db.select().from(ratingScores).where(eq(ratingScores.ratingId, rows[0].id)) : [];
  return { user: user!, rows, scores };
}

function keep(name: string, transcript: string) {
  writeTranscript(name, transcript);
}

describe("a first-time person to a saved rating", () => {
  it("in Khmer, typing the commune's name: fewer than 15 taps", async () => {
    const sokha = h.person({ first_name: "Sokha", language_code: "km" });
    const r = recorder(sokha);
    await r.type("/start");
    await r.tap("ខ្មែរ");
    await r.tap("✅ យល់ព្រម");
    await r.type("តាផូ");
    await r.tap("⏩ រំលងទាំងអស់");
    await r.tap("⭐ វាយតម្លៃសេវា");
    await r.tap("រដ្ឋបាលឃុំ/សង្កាត់");
    for (const face of ["🙂", "🙁", "😀", "🙂", "😠", "😐"]) await r.tap(new RegExp(`^${face}`));
    await r.tap(/^គ្មាន/); // no extra payment asked
    await r.tap("✅ ផ្ញើ");
    keep("first-rating-km", r.transcript());

    expect(sokha.last().text).toContain("អរគុណ");
    expect(r.taps).toBeLessThan(15);
    const { user, rows, scores } = await savedRatingOf(sokha);
    expect(user).toMatchObject({ language: "km", communeCode: communes.taPhou });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ service: "commune_office", communeCode: communes.taPhou, source: "self", informalPayment: "no" });
    expect(scores.map((s) => s.score).sort()).toEqual([1, 2, 3, 4, 4, 5]);
  });

  it("in English, typing the commune's name: fewer than 15 taps", async () => {
    const dara = h.person({ first_name: "Dara", language_code: "en" });
    const r = recorder(dara);
    await r.type("/start");
    await r.tap("English");
    await r.tap("✅ I agree");
    await r.type("ta phou");
    await r.tap("⏩ Skip all");
    await r.tap("⭐ Rate a service");
    await r.tap("Commune/sangkat office");
    for (let i = 0; i < 6; i++) await r.tap(/^🙂/);
    await r.tap(/^Yes/);
    await r.tap("✅ Send");
    keep("first-rating-en", r.transcript());

    expect(dara.last().text).toContain("Thank you");
    expect(r.taps).toBeLessThan(15);
    const { rows, scores } = await savedRatingOf(dara);
    expect(rows[0]).toMatchObject({ service: "commune_office", communeCode: communes.taPhou, informalPayment: "yes" });
    expect(scores).toHaveLength(6);
  });

  it("with buttons only (province, district, commune): 16 taps for a six-question service", async () => {
    const vanna = h.person({ language_code: "en" });
    const r = recorder(vanna);
    await r.type("/start");
    await r.tap("English");
    await r.tap("✅ I agree");
    await r.tap(/Banteay Meanchey/);
    await r.tap(/Svay Chek/);
    await r.tap(/Ta Phou/);
    await r.tap("⏩ Skip all");
    await r.tap("⭐ Rate a service");
    await r.tap("Commune/sangkat office");
    for (let i = 0; i < 6; i++) await r.tap(/^🙂/);
    await r.tap(/^No/);
    await r.tap("✅ Send");
    // Three taps to find the commune instead of typing its name.
    expect(r.taps).toBe(16);
    expect((await savedRatingOf(vanna)).rows).toHaveLength(1);
  });
});
