import type { ConversationBuilder } from "@grammyjs/conversations";
import type { Composer } from "grammy";
import type { DatabaseTransaction } from "../db/client.js";
import type { UserRole } from "../db/schema/index.js";
import type { MatiContext, MatiConversationContext } from "./context.js";

/** Where a command shows up in Telegram's command menu. */
export type CommandScope = "private" | "group";

export interface CommandEntry {
  command: string;
  /** i18n key of the one-line description. */
  descriptionKey: string;
  scope: CommandScope;
  /** Shown only in the menus of people with at least this role (staff, volunteer…). */
  minRole?: UserRole;
}

/** A button of the citizen's main menu; the feature handles its callback data. */
export interface MenuEntry {
  /** i18n key of the button label (emoji first, e.g. "⭐ Rate a service"). */
  labelKey: string;
  /** Short callback data the feature's composer answers, e.g. "menu:rate". */
  callbackData: string;
  /** Position in the menu (lower first). */
  order: number;
  /** Shown only to people with at least this role (e.g. "volunteer"). */
  minRole?: UserRole;
}

/**
 * A feature plugs into the bot with its conversations (registered before any
 * handler, so /cancel and the conversations see updates first), its handlers
 * and its command-menu entries.
 */
export interface Feature {
  name: string;
  conversations?: Record<string, ConversationBuilder<MatiContext, MatiConversationContext>>;
  composer?: Composer<MatiContext>;
  commands?: CommandEntry[];
  mainMenu?: MenuEntry[];
  /**
   * Called by /forget, for every feature, inside one transaction (`tx`) that
   * then turns the person's users row into a tombstone: unlink or delete what
   * this feature holds about the person (user id `userId`). Throwing rolls
   * everything back. Use `tx` for every query, never the outer db.
   */
  onForget?: (tx: DatabaseTransaction, userId: number) => Promise<void>;
}

export type { DatabaseTransaction };
