/** A council's digest lists the forums coming up in its area, and only those. */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { forums } from "../../../src/db/schema/index.js";
import { createForum } from "../../../src/features/forums/forums.js";
import { communes, districts } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { useHarness } from "../../support/harness.js";
import { returningCitizen } from "../../support/onboarding.js";

const env = useTestEnvironment();
const h = useHarness(env);

async function published(title: string, areaCodes: string[], daysAhead: number, status: "published" | "cancelled" = "published") {
  const forum = await createForum(env.db, {
    type: "dc_forum",
    titleEn: title,
    startsAt: new Date(Date.now() + daysAhead * 86_400_000),
    venue: "Svay Chek district hall",
    areaCodes,
  });
  await env.db.update(forums).set({ status }).where(eq(forums.id, forum.id));
}

describe("upcoming forums in the digest", () => {
  it("lists forums for the area, for areas inside it, and for areas around it; not cancelled or faraway ones", async () => {
    await published("Ta Phou public forum", [communes.taPhou], 5);
    await published("Banteay Meanchey D&C forum", ["01"], 9);
    await published("Cancelled district forum", [districts.svayChek], 6, "cancelled");
    await published("Takeo forum", ["21"], 4);
    const staff = await returningCitizen(h, env.db, { lang: "en", role: "staff" });

    await staff.send(`/digest ${districts.svayChek}`);
    const district = staff.messages().slice(-3)[0]!.text;
    expect(district).toContain("📅 Coming up");
    expect(district).toContain("Ta Phou public forum");
    expect(district).toContain("Banteay Meanchey D&C forum");
    expect(district).not.toContain("Cancelled district forum");
    expect(district).not.toContain("Takeo forum");
    // Soonest first.
    expect(district.indexOf("Ta Phou public forum")).toBeLessThan(district.indexOf("Banteay Meanchey D&C forum"));

    await staff.send(`/digest ${communes.treas}`);
    const treas = staff.messages().slice(-3)[0]!.text;
    expect(treas).toContain("Banteay Meanchey D&C forum");
    expect(treas).not.toContain("Ta Phou public forum");
  });
});
