/**
 * The error boundary answers a button nobody answered; AnsweredCallbacks tells
 * it which were. Only answers Telegram gave now count: a conversation replays
 * its earlier steps' answers through the same transformer at every step, and
 * their (old) ids would pile up, never taken.
 */
import { describe, expect, it } from "vitest";
import { AnsweredCallbacks } from "../../src/bot/middleware.js";
import { markLiveAnswers } from "../../src/bot/telegram-http.js";

type Answer = { ok: boolean; result?: unknown; error_code?: number; description?: string };

/** The raw call below the transformer: Telegram's answer through the marking fetch, or a replayed copy of one. */
function telegramSays(answer: Answer) {
  const fetch = markLiveAnswers((async () => ({ ok: answer.ok, status: answer.ok ? 200 : answer.error_code!, json: async () => ({ ...answer }) })) as never);
  return async () => (await (fetch as unknown as (url: string, init: object) => Promise<{ json(): Promise<Answer> }>)("https://api.telegram.org/botX/answerCallbackQuery", {})).json();
}
const replayed = (answer: Answer) => async () => ({ ...answer });

async function answer(answered: AnsweredCallbacks, id: string, prev: () => Promise<Answer>) {
  return answered.transformer(prev as never, "answerCallbackQuery", { callback_query_id: id } as never);
}

describe("AnsweredCallbacks", () => {
  it("notes a button Telegram has just answered, once", async () => {
    const answered = new AnsweredCallbacks();
    await answer(answered, "q1", telegramSays({ ok: true, result: true }));
    expect(answered.take("q1")).toBe(true);
    expect(answered.take("q1")).toBe(false);
  });

  it("does not note an answer a conversation replays", async () => {
    const answered = new AnsweredCallbacks();
    await answer(answered, "old", replayed({ ok: true, result: true }));
    expect(answered.take("old")).toBe(false);
  });

  it("takes Telegram's 'query is too old' as answered (an update handled again after an outage)", async () => {
    const answered = new AnsweredCallbacks();
    const result = await answer(answered, "q2", telegramSays({ ok: false, error_code: 400, description: "Bad Request: query is too old and response timeout expired or query ID is invalid" }));
    expect(result).toEqual({ ok: true, result: true });
    expect(answered.take("q2")).toBe(true);
  });

  it("leaves other methods alone", async () => {
    const answered = new AnsweredCallbacks();
    const result = await answered.transformer((async () => ({ ok: true, result: { message_id: 1 } })) as never, "sendMessage", { chat_id: 1, text: "hi" } as never);
    expect(result).toEqual({ ok: true, result: { message_id: 1 } });
  });
});
