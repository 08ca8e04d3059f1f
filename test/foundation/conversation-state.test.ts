/**
 * What a conversation's saved state keeps: the bot's own messages slimmed to
 * where they are, what people sent kept whole, and the person's dates given
 * back their type after the JSON round trip through Redis, and the person
 * recorded at a step only when they changed since the step before.
 */
import { describe, expect, it } from "vitest";
import { recordSnapshot, reviveUser, slimConversationState, type PersonSnapshot } from "../../src/bot/conversation-state.js";
import type { User } from "../../src/db/schema/index.js";

const botMessage = {
  message_id: 41,
  date: 1_790_000_000,
  chat: { id: 7, type: "private", first_name: "Sokha", username: "sokha" },
  from: { id: 1, is_bot: true, first_name: "Mati" },
  text: "Rate the health centre: waiting time",
  reply_markup: { inline_keyboard: [[{ text: "⭐⭐⭐", callback_data: "r:1:3" }]] },
};
const pressed = { update_id: 900, callback_query: { id: "q1", from: { id: 7, is_bot: false, first_name: "Sokha" }, chat_instance: "c", data: "r:1:3", message: botMessage } };
const typed = { update_id: 901, message: { message_id: 42, date: 1_790_000_010, chat: { id: 7, type: "private" }, from: { id: 7, is_bot: false, first_name: "Sokha" }, text: "The nurse came late" } };
const edited = { ok: true, res: { ok: true, result: botMessage } };
const saved = {
  version: 2,
  state: { rate: [{ args: "[]", interrupts: [], replay: { send: [], receive: [{ send: 0, returnValue: pressed }, { send: 1, returnValue: typed }, { send: 2, returnValue: edited }] } }] },
};

describe("the saved conversation state", () => {
  it("keeps of the bot's messages where they are and when, and people's messages whole", () => {
    const slim = JSON.parse(JSON.stringify(slimConversationState(saved)));
    const [button, text, answer] = slim.state.rate[0].replay.receive.map((entry: { returnValue: unknown }) => entry.returnValue);
    const where = { message_id: 41, date: 1_790_000_000, chat: { id: 7, type: "private" } };
    expect(button.callback_query.message).toEqual(where);
    expect(button.callback_query.data).toBe("r:1:3");
    expect(answer.res.result).toEqual(where);
    expect(text).toEqual(typed);
    // The input is left as it was.
    expect(saved.state.rate[0]!.replay.receive[0]!.returnValue).toBe(pressed);
    expect(pressed.callback_query.message.text).toContain("health centre");
  });

  it("passes through shapes it does not know", () => {
    expect(slimConversationState({ version: 2 })).toEqual({ version: 2 });
    expect(slimConversationState(null)).toBeNull();
  });

  it("gives the person's dates back their type, unset ones staying unset", () => {
    const at = new Date("2026-11-30T03:00:00Z");
    const user = { id: 1, telegramId: 7, consentedAt: at, onboardedAt: null, createdAt: at, updatedAt: at } as unknown as User;
    const revived = reviveUser(JSON.parse(JSON.stringify(user)))!;
    expect(revived.consentedAt).toEqual(at);
    expect(revived.createdAt).toBeInstanceOf(Date);
    expect(revived.updatedAt).toEqual(at);
    expect(revived.onboardedAt).toBeNull();
    expect(reviveUser(undefined)).toBeUndefined();
  });

  it("records the person at a step only when they changed, and gives every step its person back on replay", () => {
    const at = new Date("2026-11-30T03:00:00Z");
    const sokha = { id: 1, telegramId: 7, firstName: "Sokha", language: "km", communeCode: null, consentedAt: at, updatedAt: at } as unknown as User;
    const placed = { ...sokha, communeCode: "040611", updatedAt: new Date("2026-11-30T03:01:00Z") } as User;
    // What each step saw live: the same person twice (the second a fresh row from the database), then changed, then again.
    const live: PersonSnapshot[] = [
      { user: sokha, lang: "km" },
      { user: { ...sokha, consentedAt: new Date(at) }, lang: "km" },
      { user: placed, lang: "km" },
      { user: placed, lang: "en" },
    ];

    // Live, each step records (through JSON, as in Redis) and reads back at once.
    const run = {};
    const steps = recordSnapshot(run);
    const saved = live.map((snapshot) => {
      const recorded = JSON.stringify(steps.beforeStore(snapshot));
      steps.afterLoad(structuredClone(JSON.parse(recorded)));
      return recorded;
    });
    expect(saved.map((r) => (r === '"same"' ? "same" : "person"))).toEqual(["person", "same", "person", "person"]);

    // The next update replays them in a run of its own.
    const replay = recordSnapshot({});
    const replayed = saved.map((recorded) => replay.afterLoad(JSON.parse(recorded)));
    expect(replayed.map((s) => s.lang)).toEqual(["km", "km", "km", "en"]);
    expect(replayed[1]!.user).toEqual(sokha);
    expect(replayed[1]!.user!.consentedAt).toBeInstanceOf(Date);
    expect(replayed[2]!.user!.communeCode).toBe("040611");
    expect(replayed[3]!.user).toEqual(placed);
  });

  it("starts every run afresh: its first step is recorded in full, and 'same' there is refused", () => {
    const snapshot: PersonSnapshot = { user: undefined, lang: "en" };
    const first = recordSnapshot({});
    first.afterLoad(first.beforeStore(snapshot));
    expect(first.beforeStore(snapshot)).toBe("same");
    expect(recordSnapshot({}).beforeStore(snapshot)).toEqual(snapshot);
    expect(() => recordSnapshot({}).afterLoad("same" as never)).toThrow(/first step/);
  });
});
