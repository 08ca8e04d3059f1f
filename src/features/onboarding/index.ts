/**
 * First contact and the way home: /start (the onboarding flow, or the main
 * menu for people who finished it), /menu, /help, /privacy, /forget, and the
 * last word on buttons nobody else claimed (expired: here is the menu).
 *
 * Registered last among features: a feature owning another /start payload
 * (e.g. "v_…") answers first; here only "c_<commune>" and empty payloads are
 * meant, anything else gets the normal flow.
 *
 * Callback data: menu:home, menu:help, lang:km|en (/language),
 * fg:y:<issued, base36 seconds> and fg:n (/forget).
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature, MenuEntry } from "../../bot/feature.js";
import type { Database } from "../../db/client.js";
import { languages, translator, type Language } from "../../i18n.js";
import { setUserLanguage } from "../users/users.js";
import { languageKeyboard, ONBOARDING, onboardingConversation, type OnboardingArgs } from "./flow.js";
import { backToMenuKeyboard, mainMenu } from "./menu.js";
import { forgetPerson } from "./person.js";
import { showOnPressed } from "../ui/screen.js";

export { languageKeyboard } from "./flow.js";
export { mainMenu } from "./menu.js";

/** A /forget confirmation is good for this long; after that its buttons have expired. */
const FORGET_CONFIRM_SECONDS = 15 * 60;

export interface OnboardingDeps {
  db: Database;
  /** Every feature of the bot (including this one), read when needed: menu entries and forget hooks. */
  features: () => readonly Feature[];
}

export function onboardingFeature({ db, features }: OnboardingDeps): Feature {
  const menuEntries = (): MenuEntry[] => features().flatMap((f) => f.mainMenu ?? []);
  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");

  const showMenu = async (ctx: MatiContext, header?: string) => {
    const menu = mainMenu(menuEntries(), ctx.user, ctx.t, header);
    await ctx.reply(menu.text, { reply_markup: menu.keyboard });
  };
  const enterOnboarding = (ctx: MatiContext, args: OnboardingArgs = {}) => ctx.conversation.enter(ONBOARDING, args);

  privateChat.command("start", async (ctx) => {
    const payload = ctx.match.trim();
    if (ctx.user?.onboardedAt) return showMenu(ctx);
    // A commune poster's link; any other payload belongs to nobody by now: the normal flow.
    await enterOnboarding(ctx, payload.startsWith("c_") ? { linkedCommune: payload.slice(2) } : {});
  });

  privateChat.command("menu", async (ctx) => {
    if (!ctx.user?.onboardedAt) return enterOnboarding(ctx);
    await showMenu(ctx);
  });

  privateChat.command("help", async (ctx) => {
    await ctx.reply(ctx.t("onboarding.help"), { reply_markup: ctx.user?.onboardedAt ? backToMenuKeyboard(ctx.t) : undefined });
  });

  privateChat.command("privacy", async (ctx) => {
    await ctx.reply(ctx.t("onboarding.privacy"));
  });

  privateChat.command("language", async (ctx) => {
    await ctx.reply(ctx.t("onboarding.choose_language"), { reply_markup: languageKeyboard("lang:") });
  });

  privateChat.callbackQuery(/^lang:(km|en)$/, async (ctx) => {
    const lang = ctx.match[1] as Language;
    if (!languages.includes(lang) || !ctx.user) return;
    await setUserLanguage(db, ctx.user.id, lang);
    ctx.lang = lang;
    ctx.t = translator(lang);
    await ctx.answerCallbackQuery();
    await showOnPressed(ctx, { text: ctx.t("onboarding.language_saved") });
    if (ctx.user.onboardedAt) await showMenu(ctx);
  });

  privateChat.callbackQuery("menu:home", async (ctx) => {
    await ctx.answerCallbackQuery();
    if (!ctx.user?.onboardedAt) return ctx.reply(ctx.t("onboarding.start_first"));
    await showOnPressed(ctx, mainMenu(menuEntries(), ctx.user, ctx.t));
  });

  privateChat.callbackQuery("menu:help", async (ctx) => {
    await ctx.answerCallbackQuery();
    await showOnPressed(ctx, { text: ctx.t("onboarding.help"), keyboard: backToMenuKeyboard(ctx.t) });
  });

  privateChat.command("forget", async (ctx) => {
    const issued = Math.floor(Date.now() / 1000).toString(36);
    await ctx.reply(ctx.t("onboarding.forget_confirm"), {
      reply_markup: new InlineKeyboard().text(ctx.t("onboarding.forget_yes"), `fg:y:${issued}`).row().text(ctx.t("onboarding.forget_no"), "fg:n"),
    });
  });

  privateChat.callbackQuery(/^fg:y:([0-9a-z]{1,8})$/, async (ctx, next) => {
    const issued = parseInt(ctx.match[1]!, 36);
    const age = Date.now() / 1000 - issued;
    if (!ctx.user || !(age >= -60 && age <= FORGET_CONFIRM_SECONDS)) return next(); // stale: the expired answer below
    await ctx.conversation.exitAll();
    const hooks = features().flatMap((f) => (f.onForget ? [f.onForget] : []));
    await forgetPerson(db, ctx.user.id, hooks);
    await ctx.answerCallbackQuery();
    await showOnPressed(ctx, { text: ctx.t("onboarding.forget_done") });
  });

  privateChat.callbackQuery("fg:n", async (ctx) => {
    await ctx.answerCallbackQuery();
    await showOnPressed(ctx, { text: ctx.t("onboarding.forget_kept") });
  });

  // Nobody claimed this button: from an old menu, a finished conversation or
  // a feature that no longer offers it. Say so, and give the way home.
  privateChat.on("callback_query", async (ctx) => {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
    if (ctx.user?.onboardedAt) await showMenu(ctx);
    else await ctx.reply(ctx.t("onboarding.start_first"));
  });

  return {
    name: "onboarding",
    composer,
    conversations: { [ONBOARDING]: onboardingConversation(db, menuEntries) },
    commands: [
      { command: "start", descriptionKey: "commands.start", scope: "private" },
      { command: "menu", descriptionKey: "onboarding.cmd_menu", scope: "private" },
      { command: "help", descriptionKey: "commands.help", scope: "private" },
      { command: "privacy", descriptionKey: "onboarding.cmd_privacy", scope: "private" },
      { command: "forget", descriptionKey: "onboarding.cmd_forget", scope: "private" },
      { command: "language", descriptionKey: "commands.language", scope: "private" },
      { command: "cancel", descriptionKey: "commands.cancel", scope: "private" },
    ],
    mainMenu: [{ labelKey: "onboarding.menu_help", callbackData: "menu:help", order: 1000 }],
  };
}
