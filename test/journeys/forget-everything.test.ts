/**
 * Privacy by default, end to end: someone onboards, rates a service, files a
 * named complaint that reaches their council and is answered, then uses
 * /forget. Afterwards no row of any table, and no Redis key, leads back to
 * them; their rating still counts and their complaint stays with the council.
 */
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { complaints, ratings } from "../../src/db/schema/index.js";
import { communes } from "../support/areas.js";
import { useTestEnvironment } from "../support/env.js";
import { everyRedisKeyAndValue, everyStoredRow } from "../support/privacy.js";
import { useHarness } from "../support/harness.js";
import { delivered, fileThroughBot, linkCouncil, staff } from "../features/complaints/support.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });

describe("/forget after rating and complaining", () => {
  it("leaves nothing that leads back to the person, in Postgres or Redis; the rating and complaint stay, anonymous", async () => {
    const council = h.group("Ta Phou commune council");
    await linkCouncil(await staff(h, env), council, communes.taPhou);

    const citizen = h.person({ first_name: "Chanthou", username: "chanthou_tp", language_code: "en" });
    await citizen.send("/start");
    await citizen.press("English");
    await citizen.press("✅ I agree");
    await citizen.send("Ta Phou");
    await citizen.press("👩 A woman");
    await citizen.press("⏩ Skip all");

    await citizen.press("⭐ Rate a service");
    await citizen.press("Commune/sangkat office");
    for (let i = 0; i < 6; i++) await citizen.press(/^🙂/);
    await citizen.press(/^No/);
    await citizen.press("✅ Send");

    const complaint = await fileThroughBot(env, citizen, "en", { category: "extra_fees", service: "health_centre" });
    const message = await delivered(council, complaint.reference, citizen);
    expect(message.text).toContain("Chanthou");
    const member = council.member({ first_name: "Sophal" }, "administrator");
    await member.press("👀 ទទួលស្គាល់", message); // council groups speak Khmer by default

    const before = await everyStoredRow(env);
    expect(before).toContain(String(citizen.id));
    expect(before).toContain("Chanthou");

    await citizen.send("/forget");
    await citizen.press("🗑 Yes, erase");
    expect(citizen.last().text).toContain("Mati has forgotten you");

    const after = await everyStoredRow(env);
    for (const trace of [String(citizen.id), "Chanthou", "chanthou_tp"]) {
      expect(after, `"${trace}" is still stored`).not.toContain(trace);
    }
    const redis = await everyRedisKeyAndValue(env);
    for (const trace of [String(citizen.id), "Chanthou", "chanthou_tp"]) {
      expect(redis, `"${trace}" is still in Redis`).not.toContain(trace);
    }

    // The figures and the council's work remain, without the person.
    const [rating] = await env.db.select().from(ratings).where(eq(ratings.communeCode, communes.taPhou));
    expect(rating).toMatchObject({ raterUserId: null, sex: "female", service: "commune_office" });
    const [kept] = await env.db.select().from(complaints).where(eq(complaints.id, complaint.id));
    expect(kept).toMatchObject({ userId: null, reporterName: null, status: "acknowledged" });
    const events = await env.db.execute<{ count: number }>(sql`select count(*)::int as count from complaint_events where complaint_id = ${complaint.id}`);
    expect(events[0]?.count).toBeGreaterThanOrEqual(2);
  });
});
