import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ratings, ratingScores, users } from "../../../src/db/schema/index.js";
import { communes, seedSmallGazetteer } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { createHarness, type Harness, type Person } from "../../support/harness.js";

const env = useTestEnvironment();
let h: Harness;
beforeAll(async () => {
  await seedSmallGazetteer(env.db);
  h = await createHarness(env);
});
afterAll(() => h.close());

/** A citizen who has started the bot and lives in Ta Phou. */
async function citizen(lang: "km" | "en", commune: string = communes.taPhou): Promise<Person> {
  const p = h.person({ language_code: lang });
  await p.send("/start");
  await env.db.update(users).set({ communeCode: commune, language: lang }).where(eq(users.telegramId, p.id));
  return p;
}

async function userId(p: Person): Promise<number> {
  const [row] = await env.db.select().from(users).where(eq(users.telegramId, p.id));
  return row!.id;
}

async function ratingsOf(p: Person) {
  return env.db.select().from(ratings).where(eq(ratings.raterUserId, await userId(p))).orderBy(ratings.id);
}

describe("/rate, a first rating", () => {
  it("rates the health centre in Khmer, one message edited throughout, to a saved row with scores", async () => {
    const p = await citizen("km");
    await p.send("/rate");
    const panel = p.last();
    expect(panel.text).toContain("ឃុំតាផូ");
    expect(p.buttons().slice(0, 4)).toEqual(["មណ្ឌលសុខភាព", "សាលាបឋមសិក្សា", "រដ្ឋបាលឃុំ/សង្កាត់", "ការិយាល័យច្រកចេញចូលតែមួយ"]);
    let taps = 0;
    await p.press("មណ្ឌលសុខភាព"), taps++;
    expect(p.last().text).toContain("១/៩");
    await p.press(/រំលង/), taps++;
    expect(p.last().text).toContain("២/៩");
    expect(p.last().text).toContain("បុគ្គលិករួសរាយរាក់ទាក់");
    expect(p.buttons()).toEqual(["😠 មិនពេញចិត្តខ្លាំង", "🙁 មិនពេញចិត្ត", "😐 ទទួលយកបាន", "🙂 ពេញចិត្ត", "😀 ពេញចិត្តខ្លាំង", "➖ មិនពាក់ព័ន្ធ / មិនដឹង"]);
    for (const face of ["😀", "🙂", "😐", "🙁", "😠", "🙂"]) {
      await p.press(new RegExp(`^${face}`)), taps++;
    }
    expect(p.last().text).toContain("៨/៩");
    expect(p.buttons()).toEqual(["មាន", "គ្មាន", "មិនដឹង"]);
    await p.press("គ្មាន"), taps++;
    expect(p.last().text).toContain("៩/៩");
    await p.press(/រំលង/), taps++;
    expect(p.last().text).toContain("សូមពិនិត្យចម្លើយរបស់អ្នក");
    expect(p.last().text).not.toContain("ជំនួស");
    await p.press("✅ ផ្ញើ"), taps++;
    expect(taps).toBe(11);

    // Everything happened in the one message.
    expect(p.messages()).toHaveLength(2); // the /start greeting and the panel
    expect(p.last().message_id).toBe(panel.message_id);
    expect(p.last().text).toContain("អរគុណ");
    expect(p.last().text).toContain("៥ នាក់");

    const [saved] = await ratingsOf(p);
    expect(saved).toMatchObject({ service: "health_centre", communeCode: communes.taPhou, source: "self", informalPayment: "no", facilityName: null, comment: null, volunteerUserId: null, supersededAt: null });
    const scores = await env.db.select().from(ratingScores).where(eq(ratingScores.ratingId, saved!.id));
    expect(Object.fromEntries(scores.map((s) => [s.criterion, s.score]))).toEqual({
      attitude: 5, attentive_care: 4, staff_present: 3, medicines: 2, price_list: 1, water_sanitation: 4,
    });
  });
});
