/** A broadcast's content: the same message built once per language (each recipient gets their own). */
import type { InlineKeyboard } from "grammy";
import type { BroadcastContent } from "../../db/schema/index.js";
import { languages, type Language } from "../../i18n.js";

export function perLanguage(build: (lang: Language) => { text: string; keyboard?: InlineKeyboard }): BroadcastContent {
  return Object.fromEntries(
    languages.map((lang) => {
      const { text, keyboard } = build(lang);
      return [lang, { text: text.slice(0, 4096), ...(keyboard ? { replyMarkup: { inline_keyboard: keyboard.inline_keyboard } } : {}) }];
    }),
  ) as BroadcastContent;
}
