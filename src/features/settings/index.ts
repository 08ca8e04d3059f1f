/**
 * /settings: language, where the person lives, their optional profile, and
 * whether they get news of forums and the results of their commune. One screen, edited in place; the place and
 * the profile are short conversations on that same screen.
 *
 * Callback data: menu:settings (main-menu entry), st:home, st:lang,
 * st:lang:km|en, st:news:on|off, st:res:on|off, st:place, st:prof.
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext, MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { Database } from "../../db/client.js";
import { translator, type Language, type Translate } from "../../i18n.js";
import { placeName } from "../areas/names.js";
import { findAreaWithPath } from "../areas/areas.js";
import { pickCommune } from "../areas/picker.js";
import { communeOfPerson, setCommuneOfPerson } from "../areas/residence.js";
import { languageKeyboard } from "../onboarding/flow.js";
import { findPerson, profileOf, setAnnouncements, setCommuneResults } from "../onboarding/person.js";
import { askProfile, profileSummary } from "../onboarding/profile.js";
import { showOnPressed, showScreen, type ScreenContent } from "../ui/screen.js";
import { setUserLanguage } from "../users/users.js";

const SETTINGS_PLACE = "settings-place";
const SETTINGS_PROFILE = "settings-profile";

/** What the settings screen shows, read fresh from the database. */
interface SettingsView {
  language: Language;
  place: string | undefined;
  profile: string;
  announcements: boolean;
  communeResults: boolean;
}

export interface SettingsOptions {
  /** How often citizens' results go out (RESULTS_PERIOD), for the line that names them. */
  resultsPeriod?: "month" | "quarter";
}

async function loadView(db: Database, userId: number, lang: Language, t: Translate): Promise<SettingsView | undefined> {
  // Read afresh (the screen follows a change just saved); the commune comes from the same row.
  const person = await findPerson(db, userId);
  if (!person) return undefined;
  const commune = person.communeCode ? await findAreaWithPath(db, person.communeCode) : undefined;
  return {
    language: lang,
    place: commune ? placeName(commune, lang) : undefined,
    profile: profileSummary(profileOf(person), t),
    announcements: person.announcements,
    communeResults: person.communeResults,
  };
}

function settingsScreen(view: SettingsView, t: Translate, options: SettingsOptions, note?: string): ScreenContent {
  const lines = [
    t("settings.title"),
    "",
    t("settings.language", { value: view.language === "km" ? "ខ្មែរ" : "English" }),
    t("settings.place", { value: view.place ?? t("settings.not_given") }),
    t("settings.profile", { value: view.profile || t("settings.not_given") }),
    t("settings.announcements", { value: t(view.announcements ? "settings.on" : "settings.off") }),
    t(options.resultsPeriod === "quarter" ? "settings.results_quarter" : "settings.results_month", { value: t(view.communeResults ? "settings.on" : "settings.off") }),
  ];
  if (note) lines.unshift(note, "");
  const keyboard = new InlineKeyboard()
    .text(t("settings.btn_language"), "st:lang")
    .text(t("settings.btn_place"), "st:place")
    .row()
    .text(t("settings.btn_profile"), "st:prof")
    .text(t(view.announcements ? "settings.btn_news_off" : "settings.btn_news_on"), view.announcements ? "st:news:off" : "st:news:on")
    .row()
    .text(t(view.communeResults ? "settings.btn_results_off" : "settings.btn_results_on"), view.communeResults ? "st:res:off" : "st:res:on")
    .row()
    .text(t("onboarding.menu_back"), "menu:home");
  return { text: lines.join("\n"), keyboard };
}

export function settingsFeature(db: Database, options: SettingsOptions = {}): Feature {
  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");

  const screenFor = async (userId: number, lang: Language, note?: string) => {
    const t = translator(lang);
    const view = await loadView(db, userId, lang, t);
    return view ? settingsScreen(view, t, options, note) : undefined;
  };

  privateChat.command("settings", async (ctx) => {
    if (!ctx.user?.onboardedAt) return ctx.reply(ctx.t("onboarding.start_first"));
    const screen = (await screenFor(ctx.user.id, ctx.lang))!;
    await ctx.reply(screen.text, { reply_markup: screen.keyboard });
  });

  // Every settings button needs a person who finished onboarding; others get the way in.
  const settingsButtons = privateChat.filter((ctx) => /^(?:menu:settings|st:)/.test(ctx.callbackQuery?.data ?? ""));
  settingsButtons.use(async (ctx, next) => {
    if (ctx.user?.onboardedAt) return next();
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
    await ctx.reply(ctx.t("onboarding.start_first"));
  });

  settingsButtons.callbackQuery(["menu:settings", "st:home"], async (ctx) => {
    await ctx.answerCallbackQuery();
    await showOnPressed(ctx, (await screenFor(ctx.user!.id, ctx.lang))!);
  });

  settingsButtons.callbackQuery("st:lang", async (ctx) => {
    await ctx.answerCallbackQuery();
    await showOnPressed(ctx, { text: ctx.t("onboarding.choose_language"), keyboard: languageKeyboard("st:lang:").row().text(ctx.t("areas.back"), "st:home") });
  });

  settingsButtons.callbackQuery(/^st:lang:(km|en)$/, async (ctx) => {
    const lang = ctx.match[1] as Language;
    await setUserLanguage(db, ctx.user!.id, lang);
    await ctx.answerCallbackQuery();
    await showOnPressed(ctx, (await screenFor(ctx.user!.id, lang, translator(lang)("settings.saved")))!);
  });

  settingsButtons.callbackQuery(/^st:(news|res):(on|off)$/, async (ctx) => {
    const set = ctx.match[1] === "news" ? setAnnouncements : setCommuneResults;
    await set(db, ctx.user!.id, ctx.match[2] === "on");
    await ctx.answerCallbackQuery({ text: ctx.t("settings.saved") });
    await showOnPressed(ctx, (await screenFor(ctx.user!.id, ctx.lang))!);
  });

  settingsButtons.callbackQuery(["st:place", "st:prof"], async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(ctx.callbackQuery.data === "st:place" ? SETTINGS_PLACE : SETTINGS_PROFILE, ctx.callbackQuery.message?.message_id);
  });

  /** Changes where the person lives, on the settings screen, then shows the settings again. */
  async function changePlace(conversation: MatiConversation, ctx: MatiConversationContext, messageId?: number) {
    const userId = ctx.user!.id;
    const current = await conversation.external(() => communeOfPerson(db, userId));
    const picked = await pickCommune(conversation, ctx, { db, messageId, startAt: current?.parentCode ?? undefined });
    await conversation.external(() => setCommuneOfPerson(db, userId, picked.commune.code));
    await showSettingsAgain(conversation, picked.ctx, picked.messageId);
  }

  async function changeProfile(conversation: MatiConversation, ctx: MatiConversationContext, messageId?: number) {
    const userId = ctx.user!.id;
    const person = await conversation.external(() => findPerson(db, userId));
    const done = await askProfile(conversation, ctx, { db, userId, lang: ctx.lang, t: ctx.t, messageId, current: person && profileOf(person) });
    await showSettingsAgain(conversation, done.ctx, done.messageId);
  }

  async function showSettingsAgain(conversation: MatiConversation, ctx: MatiConversationContext, messageId: number | undefined) {
    const lang = ctx.lang;
    const userId = ctx.user!.id;
    const t = translator(lang);
    // Plain data out of `external` (it is stored as JSON); the keyboard is built here.
    const view = await conversation.external(() => loadView(db, userId, lang, t));
    if (view) await showScreen(ctx, messageId, settingsScreen(view, t, options, t("settings.saved")));
  }

  return {
    name: "settings",
    composer,
    conversations: { [SETTINGS_PLACE]: changePlace, [SETTINGS_PROFILE]: changeProfile },
    commands: [{ command: "settings", descriptionKey: "settings.cmd_settings", scope: "private" }],
    mainMenu: [{ labelKey: "settings.menu_label", callbackData: "menu:settings", order: 900 }],
  };
}
