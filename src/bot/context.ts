import type { Conversation, ConversationFlavor } from "@grammyjs/conversations";
import type { Context } from "grammy";
import type { User } from "../db/schema/index.js";
import type { Language, Translate } from "../i18n.js";

/** What every handler (inside or outside a conversation) can rely on. */
export interface MatiFlavor {
  /** The person's row, in private chats only (groups act through their council). */
  user: User | undefined;
  /** The chat's language: the person's choice, the group's, or a guess from Telegram. */
  lang: Language;
  t: Translate;
}

export type MatiContext = ConversationFlavor<Context & MatiFlavor>;
/** Inside conversations: no session and no outer middleware, only what the plugins re-install. */
export type MatiConversationContext = Context & MatiFlavor;
export type MatiConversation = Conversation<MatiContext, MatiConversationContext>;
