/**
 * One "panel" message per conversation that each question edits in place, and
 * the one way to ask a question of it: a button from this very question is an
 * answer, anything else gets a polite answer and the question stays. Shared by
 * citizen ratings and volunteer interviews.
 */
import { GrammyError, InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import { formatNumber, type Language } from "../../i18n.js";

export interface Choice {
  label: string;
  value: string;
}

export interface Question {
  text: string;
  /** Rows of buttons. */
  choices: Choice[][];
  /** What may be sent instead of pressing a button. */
  accepts?: "text" | "text_or_voice";
  /** Said above the question again when something else arrives. */
  hint: string;
}

export type Answer = { kind: "choice"; value: string } | { kind: "text"; text: string } | { kind: "voice"; fileId: string };

/**
 * Every update a conversation waits for is stored with its state; past this
 * many the conversation ends, so a stuck or playful person cannot grow it for ever.
 */
const MAX_UPDATES = 120;

export class Dialogue {
  /** Numbers each question shown, so a button of an earlier question (a double tap) never answers a later one. */
  private seq = 0;
  private panelId: number | undefined;
  /** The person's own message sits under the panel: the next screen is a new message, not an edit. */
  private below = false;
  private updates = 0;

  constructor(
    private readonly conversation: MatiConversation,
    /** The newest context: its api, language and person. */
    public ctx: MatiConversationContext,
    private readonly tooLongKey: string,
  ) {}

  get t() {
    return this.ctx.t;
  }

  get lang(): Language {
    return this.ctx.lang;
  }

  /** "២/៦" in Khmer, "2/6" in English. */
  progress(step: number, total: number): string {
    return `${formatNumber(step, this.lang)}/${formatNumber(total, this.lang)}`;
  }

  async ask(question: Question): Promise<Answer> {
    const n = ++this.seq;
    const prefix = `r:${n}:`;
    const offered = new Set(question.choices.flat().map((c) => c.value));
    const keyboard = InlineKeyboard.from(question.choices.map((row) => row.map((c) => InlineKeyboard.text(c.label, prefix + c.value))));
    await this.render(question.text, keyboard);
    for (;;) {
      const ctx = await this.conversation.wait();
      this.ctx = ctx;
      if (++this.updates > MAX_UPDATES) {
        if (ctx.callbackQuery) await ctx.answerCallbackQuery();
        await this.render(ctx.t(this.tooLongKey), undefined, true);
        return this.conversation.halt();
      }
      const query = ctx.callbackQuery;
      if (query) {
        const data = query.data ?? "";
        // The main menu is always live: pressing it means the person chose something else.
        if (data.startsWith("menu:")) return this.conversation.halt({ next: true });
        const value = query.message?.message_id === this.panelId && data.startsWith(prefix) ? data.slice(prefix.length) : undefined;
        if (value !== undefined && offered.has(value)) {
          await ctx.answerCallbackQuery();
          return { kind: "choice", value };
        }
        await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
        continue;
      }
      const message = ctx.message;
      if (!message) continue; // edits of old messages, reactions …: nothing to answer
      // A command means the person wants something else: leave and let it run.
      if (message.text?.startsWith("/")) return this.conversation.halt({ next: true });
      if (message.text !== undefined && question.accepts) {
        this.below = true;
        return { kind: "text", text: message.text };
      }
      if (message.voice && question.accepts === "text_or_voice") {
        this.below = true;
        return { kind: "voice", fileId: message.voice.file_id };
      }
      // Typed instead of pressing, a sticker, a photo …: the question again, under their message.
      this.below = true;
      await this.render(`${ctx.t(question.hint)}\n\n${question.text}`, keyboard);
    }
  }

  /** A closing screen (thanks, cancelled): replaces the question, with optional buttons handled outside. */
  async close(text: string, keyboard?: InlineKeyboard): Promise<void> {
    await this.render(text, keyboard);
  }

  private async render(text: string, keyboard: InlineKeyboard | undefined, forceNew = false): Promise<void> {
    const chatId = this.ctx.chatId!;
    const api = this.ctx.api;
    if (this.panelId !== undefined && !this.below && !forceNew) {
      try {
        await api.editMessageText(chatId, this.panelId, text, keyboard ? { reply_markup: keyboard } : {});
        return;
      } catch (err) {
        if (err instanceof GrammyError && err.description.includes("message is not modified")) return;
        // Gone (deleted by the person, too old to edit): carry on with a new message.
      }
    }
    const previous = this.panelId;
    const sent = await api.sendMessage(chatId, text, keyboard ? { reply_markup: keyboard } : {});
    this.panelId = sent.message_id;
    this.below = false;
    if (previous !== undefined) await this.retire(previous);
  }

  /** The old panel goes away so the chat does not fill with dead questions. */
  private async retire(messageId: number): Promise<void> {
    const chatId = this.ctx.chatId!;
    try {
      await this.ctx.api.deleteMessage(chatId, messageId);
    } catch {
      await this.ctx.api.editMessageReplyMarkup(chatId, messageId).catch(() => {});
    }
  }
}
