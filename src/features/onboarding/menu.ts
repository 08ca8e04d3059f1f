/** The citizen's main menu, built from every feature's entries. */
import { InlineKeyboard } from "grammy";
import type { MenuEntry } from "../../bot/feature.js";
import type { User } from "../../db/schema/index.js";
import type { Translate } from "../../i18n.js";
import { hasRole } from "../users/users.js";
import type { ScreenContent } from "../ui/screen.js";

/** One big button per row, lowest `order` first; entries above the person's role are left out. */
export function mainMenu(entries: readonly MenuEntry[], user: Pick<User, "role"> | undefined, t: Translate, header?: string): ScreenContent {
  const visible = entries.filter((e) => !e.minRole || hasRole(user, e.minRole)).sort((a, b) => a.order - b.order);
  const keyboard = InlineKeyboard.from(visible.map((entry) => [InlineKeyboard.text(t(entry.labelKey), entry.callbackData)]));
  const title = t("onboarding.menu_title");
  return { text: header ? `${header}\n\n${title}` : title, keyboard };
}

/** A single "back to the main menu" button, under help and other leaf screens. */
export function backToMenuKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard().text(t("onboarding.menu_back"), "menu:home");
}
