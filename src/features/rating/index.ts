/**
 * /rate and the "⭐ Rate a service" menu entry: one conversation per rating,
 * saved in one transaction at the end.
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext, MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { Database } from "../../db/client.js";
import { once } from "../../db/once.js";
import { ensureCommune } from "../areas/picker.js";
import { formatDate, formatNumber } from "../../i18n.js";
import { MIN_RATINGS_SHOWN } from "../catalogue/scale.js";
import { serviceNameKey } from "../catalogue/services.js";
import type { FeatureDeps } from "../index.js";
import { Dialogue } from "./dialogue.js";
import { askRatingQuestions, askService, reviewRating, scoresToStore } from "./questions.js";
import { communeName, detachRatingsFrom, previousRatingInWindow, raterProfileOf, recordRating } from "./ratings.js";

export const RATE_CONVERSATION = "rate";

/** The citizen's commune: the one they gave, or the commune picker (saying why), saved for next time. */
export async function ensureCitizenCommune(conversation: MatiConversation, ctx: MatiConversationContext, db: Database): Promise<string> {
  const picked = await ensureCommune(conversation, ctx, { db });
  return picked.commune.code;
}

export function ratingFeature(deps: FeatureDeps): Feature {
  const { db, config } = deps;

  async function rate(conversation: MatiConversation, ctx: MatiConversationContext): Promise<void> {
    const user = ctx.user;
    if (!user) return;
    const communeCode = await ensureCitizenCommune(conversation, ctx, db);
    const lang = ctx.lang;
    const commune = await conversation.external(() => communeName(db, communeCode, lang));
    const d = new Dialogue(conversation, ctx, "rating.too_long");

    const service = await askService(d, d.t("rating.choose_service", { commune }));
    const draft = await askRatingQuestions(d, service);

    // Said on the summary, before anything is saved.
    const previous = await conversation.external(async () => {
      const found = await previousRatingInWindow(db, { raterUserId: user.id, service: service.key, communeCode });
      return found ? found.createdAt.toISOString() : null;
    });
    const notice = previous ? d.t("rating.summary_replaces", { date: formatDate(new Date(previous), d.lang, config.TIMEZONE) }) : undefined;
    if ((await reviewRating(d, draft, { place: commune, notice })) === "cancel") {
      await d.close(d.t("rating.cancelled"));
      return;
    }

    // Keyed by the press of Send: handled again after a crash, it finds this rating instead of saving another.
    const saved = await conversation.external(() =>
      once(db, `rating:${d.ctx.update.update_id}`, (tx) => recordRating(tx, {
        service: service.key,
        communeCode,
        source: "self",
        raterUserId: user.id,
        facilityName: draft.facilityName,
        scores: scoresToStore(draft),
        informalPayment: draft.informalPayment,
        comment: draft.comment,
        commentVoiceFileId: draft.commentVoiceFileId,
        profile: raterProfileOf(user),
      })),
    );
    const thanks = [
      d.t("rating.saved", { service: d.t(serviceNameKey(service.key)), commune }),
      ...(saved.replacedId ? [d.t("rating.saved_replaced")] : []),
      d.t("rating.what_next", { min: formatNumber(MIN_RATINGS_SHOWN, d.lang) }),
    ].join("\n\n");
    await d.close(thanks, new InlineKeyboard().text(d.t("rating.rate_another"), "menu:rate"));
  }

  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");
  privateChat.command("rate", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(RATE_CONVERSATION);
  });
  privateChat.callbackQuery("menu:rate", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(RATE_CONVERSATION);
  });

  return {
    name: "rating",
    conversations: { [RATE_CONVERSATION]: rate },
    composer,
    commands: [{ command: "rate", descriptionKey: "rating.command", scope: "private" }],
    mainMenu: [{ labelKey: "rating.menu", callbackData: "menu:rate", order: 10 }],
    onForget: detachRatingsFrom,
  };
}
