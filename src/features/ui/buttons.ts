/**
 * Small conversation steps shared by the complaint and export conversations:
 * wait for one of our buttons (forged or stale values are refused and the wait
 * goes on), answer anything else with a hint, and leave the chosen answer
 * written under the question so the chat reads as a record.
 */
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";

type Ctx = MatiConversationContext;

/** Anything other than what the step expects: a hint (a toast for a button), and the step stays. */
export async function hint(ctx: Ctx, key: string): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(key) });
  else await ctx.reply(ctx.t(key));
}

/** Waits for a button `<prefix>:<value>` with an allowed value. */
export async function choose<T extends string>(
  conversation: MatiConversation,
  prefix: string,
  allowed: readonly T[],
  hintKey: string,
): Promise<{ value: T; ctx: Ctx }> {
  for (;;) {
    const c = await conversation.waitForCallbackQuery(new RegExp(`^${prefix}:`), { otherwise: (ctx) => hint(ctx, hintKey) });
    const value = c.callbackQuery.data.slice(prefix.length + 1) as T;
    if (allowed.includes(value)) {
      await c.answerCallbackQuery();
      return { value, ctx: c };
    }
    await c.answerCallbackQuery({ text: c.t("common.button_expired") });
  }
}

/** Shows the choice in place of the buttons. */
export async function settle(ctx: Ctx, question: string, answer: string): Promise<void> {
  await ctx.editMessageText(`${question}\n➜ ${answer}`).catch(() => {});
}
