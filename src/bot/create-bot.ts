/**
 * createBot(deps): the middleware order and the router. Features are plugged
 * in from src/features; nothing here knows what a rating or complaint is.
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { conversations, createConversation, type ConversationBuilder } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type ApiClientOptions } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { translator, type Language } from "../i18n.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../http/metrics.js";
import type { MatiContext, MatiConversationContext } from "./context.js";
import type { Feature } from "./feature.js";
import { recordSnapshot, slimConversationState, type PersonSnapshot } from "./conversation-state.js";
import { reportUnreachable } from "./telegram-reach.js";
import { markLiveAnswers, skipReplayedWaits } from "./telegram-http.js";
import { chatStateOf, setChatState, updateGate } from "./update-gate.js";
import { AnsweredCallbacks, errorBoundary, floodGuard, loadPersonAndLanguage, slowDownNotice, UpdatesInFlight } from "./middleware.js";

/** Bump when any conversation changes shape: old saved states are then dropped instead of replayed. */
export const CONVERSATION_STATE_VERSION = 3;

export interface BotDeps {
  config: Config;
  db: Database;
  redis: Redis;
  log: Logger;
  features: Feature[];
  /** Defaults to Khmer for every group; councils provide the real lookup. */
  groupLanguage?: (chatId: number) => Promise<Language | undefined>;
  /** Lets shutdown wait for updates being handled. */
  inFlight?: UpdatesInFlight;
  /** Tests pass botInfo (no getMe). */
  botInfo?: UserFromGetMe;
  /** How Bot API requests travel: app.ts passes undici's (telegram-http.ts), tests the stand-in's. */
  client: ApiClientOptions & { fetch: NonNullable<ApiClientOptions["fetch"]> };
  /** Counts updates and conversations when given. */
  metrics?: Metrics;
}

export function createBot(deps: BotDeps): Bot<MatiContext> {
  const { config, db, redis, log } = deps;
  const prefix = config.REDIS_PREFIX;
  const bot = new Bot<MatiContext>(config.BOT_TOKEN, {
    botInfo: deps.botInfo,
    // Answers are marked as Telegram's where they arrive, so that transformers inside
    // conversations can tell them from replayed ones (skipReplayedWaits, the 429 counter).
    client: { apiRoot: config.TELEGRAM_API_ROOT, ...deps.client, fetch: markLiveAnswers(deps.client.fetch) },
  });
  const answered = new AnsweredCallbacks();
  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 });
  bot.api.config.use(answered.transformer);
  if (deps.metrics) bot.api.config.use(deps.metrics.telegramTransformer);
  // Under auto-retry (installed last, so outermost): each failed attempt is seen and logged.
  bot.api.config.use(reportUnreachable(config.BOT_TOKEN, log));
  bot.api.config.use(retry);

  if (deps.inFlight) bot.use(deps.inFlight.middleware);
  // Per-chat ordering within this process (the conversation state is per chat)…
  bot.use(sequentialize((ctx) => ctx.chatId?.toString()));
  // …and across instances (several bots behind one webhook URL), each update once, flood counted,
  // the conversation in progress read in the same round trip, and saved with the update's "done".
  const conversationRedisKey = (ctx: MatiContext) => {
    const key = conversationKey(ctx);
    return key === undefined ? undefined : `${prefix}:conversation:${key}`;
  };
  bot.use(updateGate(redis, prefix, log, { floodWindowSeconds: 60, stateKey: conversationRedisKey }));
  // Log lines name people by a hash keyed with a secret the process already holds.
  bot.use(errorBoundary(log, answered, { logKey: `mati-log:${config.BOT_TOKEN}`, observer: deps.metrics }));
  // Before the person is loaded: a flood never reaches Postgres.
  bot.use(floodGuard(config.FLOOD_LIMIT_PER_MINUTE, slowDownNotice(db)));
  bot.use(loadPersonAndLanguage(db, config, deps.groupLanguage ?? (async () => undefined)));

  bot.use(
    conversations<MatiContext, MatiConversationContext>({
      // Started on enter; abandoned when left by /cancel or halt (onExit is not
      // called on a normal return: completion is counted where the builder returns).
      onEnter: (id) => deps.metrics?.conversation(id, "started"),
      onExit: (id) => deps.metrics?.conversation(id, "abandoned"),
      storage: {
        type: "context",
        version: CONVERSATION_STATE_VERSION,
        // A private chat has one conversation, keyed by the chat id as the chat lock is; in a
        // group each member has their own (a council administrator recording a commitment),
        // so others' messages pass by. The gate read the state and saves it on the way out,
        // only if the update counts as handled: an update that fails for a transient reason
        // and is handled again resumes from the same step. The bot's own messages are
        // saved slimmed (conversation-state.ts).
        adapter: {
          read: (ctx) => {
            const raw = chatStateOf(ctx);
            return (typeof raw === "string" ? JSON.parse(raw) : undefined) as never;
          },
          write: (ctx, state) => void setChatState(ctx, JSON.stringify(slimConversationState(state))),
          delete: (ctx) => void setChatState(ctx, null),
        },
      },
      // Conversations run without the outer middleware: re-install what they
      // need. The person and language are read from the outer context through
      // `external`, so a replay sees the values of the time.
      plugins: (conversation) => [
        async (ctx, next) => {
          ctx.api.config.use(answered.transformer);
          if (deps.metrics) ctx.api.config.use(deps.metrics.telegramTransformer);
          // Not reportUnreachable: these transformers also see the conversation's recorded calls
          // replayed, and would report a past failure again at every step. For the same reason
          // auto-retry is told which answers are replays, so it does not wait for them again.
          ctx.api.config.use(skipReplayedWaits);
          ctx.api.config.use(retry);
          const snapshot = await conversation.external({
            task: (outer): PersonSnapshot => ({ user: outer.user, lang: outer.lang }),
            ...recordSnapshot(conversation),
          });
          ctx.user = snapshot.user;
          ctx.lang = snapshot.lang;
          ctx.t = translator(snapshot.lang);
          await next();
        },
      ],
    }),
  );

  // /cancel must come after conversations() and before createConversation(),
  // or an active conversation swallows it.
  bot.command("cancel", async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    await ctx.conversation.exitAll();
    await ctx.reply(ctx.t(active ? "common.cancelled" : "common.nothing_to_cancel"), {
      reply_markup: { remove_keyboard: true },
    });
  });

  for (const feature of deps.features) {
    for (const [id, builder] of Object.entries(feature.conversations ?? {})) {
      bot.use(createConversation<MatiContext, MatiConversationContext>(countingCompletion(builder, id, deps.metrics), id));
    }
  }
  for (const feature of deps.features) {
    if (feature.composer) bot.use(feature.composer);
  }

  // Nobody claimed it: a stale or forged button, or text we do not expect.
  bot.on("callback_query", async (ctx) => {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
  });
  bot.on("message", async (ctx) => {
    if (ctx.chat.type === "private") await ctx.reply(ctx.t("common.not_understood"));
  });

  return bot;
}

/**
 * The builder, counted as completed when it returns. `external` runs once (a
 * replay reads its stored result), so each completed conversation counts once.
 */
function countingCompletion(
  builder: ConversationBuilder<MatiContext, MatiConversationContext>,
  id: string,
  metrics: Metrics | undefined,
): ConversationBuilder<MatiContext, MatiConversationContext> {
  if (!metrics) return builder;
  return async (conversation, ctx, ...args) => {
    await builder(conversation, ctx, ...args);
    await conversation.external(() => metrics.conversation(id, "completed"));
  };
}

/** Where a chat's conversation state is kept: the chat, or in a group the member within it. */
function conversationKey(ctx: MatiContext): string | undefined {
  if (ctx.chatId === undefined) return undefined;
  const group = ctx.chat?.type === "group" || ctx.chat?.type === "supergroup";
  return group ? `${ctx.chatId}/${ctx.from?.id ?? 0}` : String(ctx.chatId);
}
