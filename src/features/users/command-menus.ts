/**
 * Telegram's command menu ("/" button) in both languages: the everyday
 * commands for everyone, and, per person, the commands of their role. A
 * citizen never sees staff or volunteer commands; typing one still gets a
 * plain refusal from the feature itself.
 */
import type { Api } from "grammy";
import type { BotCommand, BotCommandScope } from "grammy/types";
import type { CommandEntry } from "../../bot/feature.js";
import type { User } from "../../db/schema/index.js";
import { translator } from "../../i18n.js";
import { hasRole } from "./users.js";

export class CommandMenus {
  /** Filled by allFeatures once every feature is built. */
  entries: CommandEntry[] = [];

  private commands(lang: "km" | "en", visible: (entry: CommandEntry) => boolean): BotCommand[] {
    const t = translator(lang);
    return this.entries.filter(visible).map((e) => ({ command: e.command, description: t(e.descriptionKey) }));
  }

  private async setBoth(api: Api, scope: BotCommandScope, visible: (entry: CommandEntry) => boolean): Promise<void> {
    // Khmer for Telegram apps set to Khmer, English as the default.
    await api.setMyCommands(this.commands("km", visible), { scope, language_code: "km" });
    await api.setMyCommands(this.commands("en", visible), { scope });
  }

  /** The menus everyone sees: private chats and groups. Called at start. */
  async registerDefaults(api: Api): Promise<void> {
    await this.setBoth(api, { type: "all_private_chats" }, (e) => e.scope === "private" && !e.minRole);
    await this.setBoth(api, { type: "all_group_chats" }, (e) => e.scope === "group");
  }

  /** One person's own menu: the defaults plus what their role allows; a citizen falls back to the defaults. */
  async showFor(api: Api, user: Pick<User, "telegramId" | "role">): Promise<void> {
    if (!user.telegramId) return;
    const scope: BotCommandScope = { type: "chat", chat_id: user.telegramId };
    if (user.role === "citizen") {
      await api.deleteMyCommands({ scope, language_code: "km" });
      await api.deleteMyCommands({ scope });
      return;
    }
    await this.setBoth(api, scope, (e) => e.scope === "private" && (!e.minRole || hasRole(user, e.minRole)));
  }
}
