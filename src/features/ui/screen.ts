/**
 * One message that changes as the person moves through a conversation (a
 * "screen"), instead of a wall of messages; and the common answer to input
 * that a step did not ask for. Telegram-facing helpers, used by onboarding,
 * settings and the location picker, and open to other features' conversations.
 *
 * The steps wait with `conversation.wait()` and sort the update themselves,
 * rather than `waitFor(…, { otherwise })`: `otherwise` skips the update, which
 * also forgets the message a re-asked question was sent in, and the screen
 * must know which message is current to edit it and to tell its buttons from
 * stale ones.
 */
import { GrammyError, type Context, type InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Translate } from "../../i18n.js";

export interface ScreenContent {
  text: string;
  keyboard?: InlineKeyboard;
}

/** Telegram refuses an edit that changes nothing; for us that edit has succeeded. */
function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.description.includes("message is not modified");
}

/**
 * Shows `content` by editing message `messageId`, or in a new message when
 * there is none or it can no longer be edited (deleted, too old). Returns the
 * id of the message now showing it.
 */
export async function showScreen(ctx: MatiConversationContext, messageId: number | undefined, content: ScreenContent): Promise<number> {
  const chatId = ctx.chatId!;
  if (messageId !== undefined) {
    try {
      await ctx.api.editMessageText(chatId, messageId, content.text, { reply_markup: content.keyboard });
      return messageId;
    } catch (err) {
      if (isNotModified(err)) return messageId;
      if (!(err instanceof GrammyError)) throw err;
    }
  }
  const sent = await ctx.api.sendMessage(chatId, content.text, { reply_markup: content.keyboard });
  return sent.message_id;
}

/**
 * A plain button handler's answer on the message that was pressed: the message
 * becomes `content`. Pressing the same button twice changes nothing (not an
 * error); a message the bot can no longer edit (Telegram sends it with date 0
 * once deleted or out of reach, or refuses the edit as not found / not
 * editable) gets the content as a new message instead.
 */
export async function showOnPressed(ctx: Context, content: ScreenContent): Promise<void> {
  const pressed = ctx.callbackQuery?.message;
  if (pressed && pressed.date !== 0) {
    try {
      await ctx.editMessageText(content.text, { reply_markup: content.keyboard });
      return;
    } catch (err) {
      if (isNotModified(err)) return;
      // Only "out of reach" becomes a new message; any other refusal is a fault of ours, for the error boundary.
      if (!(err instanceof GrammyError && /message to edit not found|message can't be edited/.test(err.description))) throw err;
    }
  }
  // A button on an inline message has no chat to answer in.
  if (ctx.chatId !== undefined) await ctx.reply(content.text, { reply_markup: content.keyboard });
}

/**
 * The person wrote below the screen: move the screen under what they wrote, so
 * the question is in view, and remove the old one (or at least its buttons).
 */
export async function repostScreen(ctx: MatiConversationContext, messageId: number | undefined, content: ScreenContent): Promise<number> {
  if (messageId !== undefined) await retireScreen(ctx, messageId);
  const sent = await ctx.api.sendMessage(ctx.chatId!, content.text, { reply_markup: content.keyboard });
  return sent.message_id;
}

/** Deletes a screen; where Telegram no longer allows that (after 48 hours), takes its buttons away. */
export async function retireScreen(ctx: MatiConversationContext, messageId: number): Promise<void> {
  const chatId = ctx.chatId!;
  try {
    await ctx.api.deleteMessage(chatId, messageId);
  } catch (err) {
    if (!(err instanceof GrammyError)) throw err;
    await ctx.api.editMessageReplyMarkup(chatId, messageId, { reply_markup: undefined }).catch((e: unknown) => {
      if (!(e instanceof GrammyError)) throw e;
    });
  }
}

/** What an update means to a step that is showing a screen. */
export type Incoming =
  /** A button of the current screen (not yet answered). */
  | { kind: "press"; data: string }
  /** A button of another message: an older screen, another feature's, a finished conversation's. Already answered. */
  | { kind: "stale" }
  /** Plain text (not a command). */
  | { kind: "text"; text: string }
  | { kind: "command"; command: string }
  /** A sticker, photo, voice, location … */
  | { kind: "other" }
  /** Not addressed to the step (edits, reactions, member updates): wait on. */
  | { kind: "ignore" };

export async function classify(ctx: MatiConversationContext, messageId: number | undefined): Promise<Incoming> {
  const query = ctx.callbackQuery;
  if (query) {
    if (query.data !== undefined && query.message?.message_id === messageId && messageId !== undefined) {
      return { kind: "press", data: query.data };
    }
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
    return { kind: "stale" };
  }
  const message = ctx.message;
  if (!message) return { kind: "ignore" };
  if (message.text !== undefined) {
    const command = /^\/([A-Za-z0-9_]+)(?:@\w+)?(?:\s|$)/.exec(message.text)?.[1];
    if (command) return { kind: "command", command: command.toLowerCase() };
    return { kind: "text", text: message.text };
  }
  return { kind: "other" };
}

/** The line put above a question asked again, saying why. */
export function hintFor(incoming: Incoming, t: Translate): string {
  switch (incoming.kind) {
    case "command":
      return incoming.command === "start" ? t("ui.continue_here") : t("ui.finish_first");
    case "stale":
      return t("ui.old_button");
    default:
      return t("ui.use_buttons");
  }
}

export function withHint(hint: string, content: ScreenContent): ScreenContent {
  return { ...content, text: `${hint}\n\n${content.text}` };
}

export interface ChoiceStep<T> {
  /** The screen to edit into this question; a new message otherwise. */
  messageId?: number;
  content: ScreenContent;
  /** The answer a button's data stands for, or undefined when it is not one of this question's buttons. */
  accept: (data: string) => T | undefined;
  /** The translator of the conversation's language (the person may have just chosen it). */
  t: Translate;
}

export interface Answer<T> {
  value: T;
  /** The update that answered (its callback query is answered already). */
  ctx: MatiConversationContext;
  /** The screen the question was answered on: edit it into the next step. */
  messageId: number;
}

/**
 * Asks a question with buttons and waits until one of them is pressed. Text,
 * stickers, commands or old buttons get the question again, under what the
 * person sent, with a hint; a forged button on the screen gets a polite
 * "expired" answer.
 */
export async function askChoice<T>(conversation: MatiConversation, ctx: MatiConversationContext, step: ChoiceStep<T>): Promise<Answer<T>> {
  let messageId = await showScreen(ctx, step.messageId, step.content);
  for (;;) {
    const next = await conversation.wait();
    const incoming = await classify(next, messageId);
    if (incoming.kind === "ignore") continue;
    if (incoming.kind === "press") {
      const value = step.accept(incoming.data);
      if (value !== undefined) {
        await next.answerCallbackQuery();
        return { value, ctx: next, messageId };
      }
      await next.answerCallbackQuery({ text: step.t("common.button_expired") });
      continue;
    }
    messageId = await repostScreen(next, messageId, withHint(hintFor(incoming, step.t), step.content));
  }
}
