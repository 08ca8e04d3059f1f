/** The cross-cutting middleware inside the update gate (update-gate.ts), in the order createBot installs them. */
import type { Middleware, Transformer } from "grammy";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { ensureUser, languageOf } from "../features/users/users.js";
import { languageFromTelegram, translator, type Language } from "../i18n.js";
import { logPseudonym, type Logger } from "../log.js";
import type { MatiContext } from "./context.js";
import { transientReason } from "./transient.js";
import { isTelegramsAnswer } from "./telegram-http.js";
import { recentUpdatesFrom } from "./update-gate.js";

/** What the error boundary reports besides the log line (metrics); optional. */
export interface UpdateObserver {
  update(type: string, seconds: number, failed: boolean): void;
}

/**
 * Outermost: logs one line per update with its duration, turns an unexpected
 * error into a short localised apology (never a stack trace), and makes sure
 * every callback query is answered so the user's spinner stops. The line
 * names the person by a keyed hash (`logKey`), never by the Telegram id; a
 * private chat's id is the person's id, so only group chat ids are logged.
 *
 * A transient failure (Postgres or Redis away, see transient.ts) is not
 * apologised for: it is rethrown, so that the update is handled again once
 * they are back (long polling keeps it unconfirmed, a webhook answers 5xx and
 * Telegram redelivers), and its button is left for that second run to answer.
 */
export function errorBoundary(log: Logger, answered: AnsweredCallbacks, options: { logKey?: string; observer?: UpdateObserver } = {}): Middleware<MatiContext> {
  const who = (ctx: MatiContext) => {
    const id = ctx.from?.id;
    return {
      user: id !== undefined && options.logKey ? logPseudonym(id, options.logKey) : undefined,
      chat: ctx.chat?.type,
      chat_id: ctx.chat && ctx.chat.type !== "private" ? ctx.chat.id : undefined,
    };
  };
  return async (ctx, next) => {
    const started = performance.now();
    const queryId = ctx.callbackQuery?.id;
    let failed = false;
    let deferred = false;
    try {
      await next();
    } catch (err) {
      failed = true;
      const reason = transientReason(err);
      if (reason !== undefined) {
        deferred = true;
        log.warn({ reason, update_id: ctx.update.update_id, ...who(ctx) }, "update deferred: a service is unavailable; it will be handled again");
        throw err;
      }
      log.error({ err, update_id: ctx.update.update_id, ...who(ctx) }, "update failed");
      if (ctx.chatId !== undefined && !ctx.inlineQuery) {
        const t = ctx.t ?? translator(languageFromTelegram(ctx.from?.language_code));
        await ctx.api.sendMessage(ctx.chatId, t("common.error_apology")).catch(() => {});
      }
    } finally {
      if (queryId && !answered.take(queryId) && !deferred) await ctx.answerCallbackQuery().catch(() => {});
      const ms = performance.now() - started;
      const type = updateType(ctx);
      options.observer?.update(type, ms / 1000, failed);
      log.info({ update_id: ctx.update.update_id, type, ...who(ctx), ms: Math.round(ms), failed, ...(deferred ? { deferred } : {}) }, "update");
    }
  };
}

function updateType(ctx: MatiContext): string {
  return Object.keys(ctx.update).find((k) => k !== "update_id") ?? "unknown";
}

/**
 * Remembers which callback queries some handler already answered, including
 * inside conversations (which use their own Api objects: the transformer is
 * installed there through the conversation plugins). Answering a button is a
 * courtesy: when Telegram says the query is too old (an update handled again
 * after an outage, say), the press is still handled.
 */
export class AnsweredCallbacks {
  private readonly ids = new Set<string>();
  readonly transformer: Transformer = async (prev, method, payload, signal) => {
    if (method !== "answerCallbackQuery") return prev(method, payload, signal);
    const answer = await prev(method, payload, signal);
    // Only what Telegram answered now: a conversation replays its earlier steps' answers, whose ids nobody takes.
    if (isTelegramsAnswer(answer)) {
      this.ids.add((payload as { callback_query_id: string }).callback_query_id);
      // Bounded: an id is normally taken again within the same update.
      if (this.ids.size > 10_000) this.ids.delete(this.ids.values().next().value!);
    }
    if (!answer.ok && answer.error_code === 400 && /query is too old|query ID is invalid/.test(answer.description)) {
      return { ok: true, result: true } as unknown as typeof answer;
    }
    return answer;
  };
  take(id: string): boolean {
    return this.ids.delete(id);
  }
}

/**
 * Loads the person (private chats) and sets ctx.lang and ctx.t. Groups get
 * their own language from `groupLanguage` (councils store it).
 */
export function loadPersonAndLanguage(
  db: Database,
  config: Config,
  groupLanguage: (chatId: number) => Promise<Language | undefined>,
): Middleware<MatiContext> {
  return async (ctx, next) => {
    const chat = ctx.chat;
    ctx.user = undefined;
    let lang: Language = languageFromTelegram(ctx.from?.language_code);
    if (ctx.from && !ctx.from.is_bot && (chat?.type === "private" || (!chat && ctx.callbackQuery))) {
      ctx.user = await ensureUser(db, ctx.from, config.ADMIN_TELEGRAM_IDS);
      lang = ctx.user.language ?? lang;
    } else if (chat && (chat.type === "group" || chat.type === "supergroup")) {
      lang = (await groupLanguage(chat.id)) ?? "km";
    }
    ctx.lang = lang;
    ctx.t = translator(lang);
    await next();
  };
}

/**
 * A per-person flood guard (a fixed window, counted in Redis by the update
 * gate and so shared by every instance): beyond the limit updates are dropped,
 * with one polite notice per window in a private chat. It runs before the
 * person is loaded, so a flood reaches neither Postgres nor any handler;
 * `notice` looks up the language for that one message.
 */
export function floodGuard(limit: number, notice: (ctx: MatiContext) => Promise<void>): Middleware<MatiContext> {
  return async (ctx, next) => {
    const count = recentUpdatesFrom(ctx);
    if (count === undefined || count <= limit) return next();
    if (count === limit + 1 && ctx.chat?.type === "private") await notice(ctx);
  };
}

/** The flood notice in the person's language (their choice if they made one, else Telegram's). */
export function slowDownNotice(db: Database): (ctx: MatiContext) => Promise<void> {
  return async (ctx) => {
    const lang = (ctx.from && (await languageOf(db, ctx.from.id))) || languageFromTelegram(ctx.from?.language_code);
    await ctx.reply(translator(lang)("common.slow_down"));
  };
}

/**
 * Counts updates being handled (webhook requests and polled updates alike), so
 * shutdown can wait for them after it stops taking new ones.
 */
export class UpdatesInFlight {
  private count = 0;
  private waiters: (() => void)[] = [];
  readonly middleware: Middleware<MatiContext> = async (_ctx, next) => {
    this.count++;
    try {
      await next();
    } finally {
      if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  };
  /** Resolves once nothing is being handled (at once when idle). */
  drained(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
