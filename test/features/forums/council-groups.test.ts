/** Forums and broadcasts reach the linked council groups of their areas, and no others. */
import { describe, expect, it } from "vitest";
import { startBroadcast } from "../../../src/features/broadcast/engine.js";
import { createForum, publishForum } from "../../../src/features/forums/forums.js";
import { communes } from "../../support/areas.js";
import { useTestEnvironment } from "../../support/env.js";
import { eventually, useHarness } from "../../support/harness.js";
import { linkCouncil, staff } from "../complaints/support.js";

const env = useTestEnvironment();
const h = useHarness(env, { workers: true });

describe("council groups as an audience", () => {
  it("a forum published to a commune is announced in its council's group, in Khmer and without RSVP buttons; a faraway council hears nothing", async () => {
    const dara = await staff(h, env);
    const taPhou = h.group("Ta Phou council");
    const takeo = h.group("Ponley (Takeo) council");
    await linkCouncil(dara, taPhou, communes.taPhou);
    await linkCouncil(dara, takeo, communes.ponleyTakeo);
    const deps = h.app.deps;

    const forum = await createForum(h.app.db, {
      type: "commune_forum",
      titleKm: "វេទិកាសាធារណៈឃុំតាផូ",
      titleEn: "Ta Phou public forum",
      startsAt: new Date(Date.now() + 10 * 86_400_000),
      venue: "Ta Phou commune hall",
      areaCodes: [communes.taPhou],
    });
    await publishForum(deps, forum.id);

    const announcement = await eventually(() => {
      const found = taPhou.messages().find((m) => m.text.includes("វេទិកាសាធារណៈឃុំតាផូ"));
      expect(found).toBeDefined();
      return found!;
    });
    expect(announcement.buttons).toEqual([]);
    expect(takeo.messages().some((m) => m.text.includes("វេទិកា"))).toBe(false);
  });

  it("a staff broadcast to council groups of a district reaches the linked groups inside it only", async () => {
    const dara = await staff(h, env);
    const treas = h.group("Treas council");
    await linkCouncil(dara, treas, communes.treas);
    const deps = h.app.deps;
    await startBroadcast(deps, {
      kind: "announcement",
      content: { km: { text: "សូមអញ្ជើញចូលរួមកិច្ចប្រជុំ" }, en: { text: "You are invited to the meeting" } },
      audience: { kind: "council_groups", areaCodes: ["0108"] },
      dedupeKey: "test-council-groups",
    });
    // Ta Phou and Treas lie in district 0108; Ponley in Takeo does not. (Ta Phou's group
    // heard of the forum a moment ago: the one-message-per-3-seconds group pace delays it.)
    const sentTo = () => h.fake.callsTo("sendMessage").filter((c) => c.params.text === "សូមអញ្ជើញចូលរួមកិច្ចប្រជុំ").map((c) => Number(c.params.chat_id));
    await eventually(() => expect(sentTo()).toHaveLength(2), 15_000);
    expect(sentTo()).toContain(treas.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(sentTo()).toHaveLength(2);
  });
});
