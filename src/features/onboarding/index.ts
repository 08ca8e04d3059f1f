/**
 * First contact: /start greets in both languages and offers ខ្មែរ / English;
 * the choice is saved and used from then on. /language changes it, /help
 * says what the bot can do.
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { Database } from "../../db/client.js";
import { languages, translator, type Language } from "../../i18n.js";
import { setUserLanguage } from "../users/users.js";

/** Both labels always shown, each in its own script. */
export function languageKeyboard(): InlineKeyboard {
  return new InlineKeyboard().text("ខ្មែរ", "lang:km").text("English", "lang:en");
}

export function onboardingFeature(db: Database): Feature {
  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");

  privateChat.command("start", async (ctx) => {
    await ctx.reply(ctx.t("onboarding.welcome"), { reply_markup: languageKeyboard() });
  });
  privateChat.command("language", async (ctx) => {
    await ctx.reply(ctx.t("onboarding.choose_language"), { reply_markup: languageKeyboard() });
  });
  privateChat.command("help", async (ctx) => {
    await ctx.reply(ctx.t("onboarding.help"));
  });

  privateChat.callbackQuery(/^lang:(km|en)$/, async (ctx) => {
    const lang = ctx.match[1] as Language;
    if (!languages.includes(lang) || !ctx.user) return;
    await setUserLanguage(db, ctx.user.id, lang);
    ctx.lang = lang;
    ctx.t = translator(lang);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t("onboarding.language_saved"));
    await ctx.reply(ctx.t("onboarding.help"));
  });

  return {
    name: "onboarding",
    composer,
    commands: [
      { command: "start", descriptionKey: "commands.start", scope: "private" },
      { command: "help", descriptionKey: "commands.help", scope: "private" },
      { command: "language", descriptionKey: "commands.language", scope: "private" },
      { command: "cancel", descriptionKey: "commands.cancel", scope: "private" },
    ],
  };
}
