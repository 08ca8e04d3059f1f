/**
 * The first-time flow, one screen edited step by step:
 * language → privacy notice (agree / not now) → where you live (the picker,
 * or a commune preselected by a poster's QR link) → optional profile → main menu.
 *
 * Callback data: o:lang:km|en, o:ok:y|n, o:pl:y|n (the preselected place).
 * State lives in Redis (conversations plugin), so a restart resumes the step.
 */
import { InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { MenuEntry } from "../../bot/feature.js";
import type { Database } from "../../db/client.js";
import { translator, type Language } from "../../i18n.js";
import { findAreaWithPath, type AreaWithPath } from "../areas/areas.js";
import { placeName } from "../areas/names.js";
import { pickCommune } from "../areas/picker.js";
import { setCommuneOfPerson } from "../areas/residence.js";
import { askChoice, showScreen } from "../ui/screen.js";
import { setUserLanguage } from "../users/users.js";
import { mainMenu } from "./menu.js";
import { finishOnboarding, recordConsent } from "./person.js";
import { askProfile } from "./profile.js";

export const ONBOARDING = "onboarding";

export interface OnboardingArgs {
  /** The code after "c_" in a /start deep link (unchecked: the flow checks it). */
  linkedCommune?: string;
}

/** Both labels always shown, each in its own script. */
export function languageKeyboard(prefix: string): InlineKeyboard {
  return new InlineKeyboard().text("ខ្មែរ", `${prefix}km`).text("English", `${prefix}en`);
}

export function onboardingConversation(db: Database, menuEntries: () => MenuEntry[]) {
  return async function onboarding(conversation: MatiConversation, ctx: MatiConversationContext, args: OnboardingArgs = {}): Promise<void> {
    const userId = ctx.user?.id;
    if (userId === undefined) return;

    // 1. Language: the welcome is in both languages, whatever Telegram guessed.
    const language = await askChoice(conversation, ctx, {
      content: { text: ctx.t("onboarding.welcome"), keyboard: languageKeyboard("o:lang:") },
      t: ctx.t,
      accept: (data) => (/^o:lang:(km|en)$/.exec(data)?.[1] as Language | undefined),
    });
    const lang = language.value;
    // This update's ctx.t still speaks the old language: use the chosen one from here on.
    const t = translator(lang);
    await conversation.external(() => setUserLanguage(db, userId, lang));

    // 2. Privacy notice, in plain words.
    const consent = await askChoice(conversation, language.ctx, {
      messageId: language.messageId,
      content: {
        text: t("onboarding.consent"),
        keyboard: new InlineKeyboard().text(t("onboarding.consent_agree"), "o:ok:y").text(t("onboarding.consent_not_now"), "o:ok:n"),
      },
      t,
      accept: (data) => (data === "o:ok:y" ? true : data === "o:ok:n" ? false : undefined),
    });
    if (!consent.value) {
      await showScreen(consent.ctx, consent.messageId, { text: t("onboarding.consent_declined") });
      return;
    }
    await conversation.external(() => recordConsent(db, userId));

    // 3. Where they live: the poster's commune if the link named a real one, the picker otherwise.
    let step = { ctx: consent.ctx, messageId: consent.messageId as number | undefined };
    let commune: AreaWithPath | undefined;
    let startAt: string | undefined;
    let noteKey: string | undefined;
    if (args.linkedCommune !== undefined) {
      const code = args.linkedCommune;
      const linked = await conversation.external(() => findAreaWithPath(db, code));
      if (linked?.level === "commune") {
        const confirm = await askChoice(conversation, step.ctx, {
          messageId: step.messageId,
          content: {
            text: t("onboarding.confirm_commune", { place: placeName(linked, lang) }),
            keyboard: new InlineKeyboard().text(t("onboarding.commune_yes"), "o:pl:y").row().text(t("onboarding.commune_other"), "o:pl:n"),
          },
          t,
          accept: (data) => (data === "o:pl:y" ? true : data === "o:pl:n" ? false : undefined),
        });
        step = { ctx: confirm.ctx, messageId: confirm.messageId };
        if (confirm.value) commune = linked;
        else startAt = linked.parentCode ?? undefined;
      } else {
        noteKey = "onboarding.bad_link";
      }
    }
    if (!commune) {
      const picked = await pickCommune(conversation, step.ctx, { db, messageId: step.messageId, startAt, noteKey, lang });
      commune = picked.commune;
      step = { ctx: picked.ctx, messageId: picked.messageId };
    }
    const communeCode = commune.code;
    await conversation.external(() => setCommuneOfPerson(db, userId, communeCode));

    // 4. The optional profile, each question skippable.
    step = await askProfile(conversation, step.ctx, { db, userId, lang, t, messageId: step.messageId });

    // 5. Done: the same screen becomes the main menu.
    await conversation.external(() => finishOnboarding(db, userId));
    const done = t("onboarding.done", { place: placeName(commune, lang) });
    await showScreen(step.ctx, step.messageId, mainMenu(menuEntries(), step.ctx.user, t, done));
  };
}
