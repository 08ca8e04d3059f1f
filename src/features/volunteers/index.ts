/**
 * "📝 Record an interview": a volunteer records the answers of someone who
 * does not use Telegram. The respondent is never identified: no user row, only
 * the profile answers for counts, a random interview id and the volunteer.
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext, MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import { ageGroups, ratingSexes } from "../../db/schema/index.js";
import { once } from "../../db/once.js";
import { formatNumber, type Language, type Translate } from "../../i18n.js";
import { services, serviceNameKey } from "../catalogue/services.js";
import type { FeatureDeps } from "../index.js";
import { Dialogue, type Answer } from "../rating/dialogue.js";
import { askRatingQuestions, askService, reviewRating, scoresToStore } from "../rating/questions.js";
import { communeName, recordRating, type RaterProfile } from "../rating/ratings.js";
import { communesOfVolunteer } from "../roles/roles.js";
import { hasRole } from "../users/users.js";
import { interviewCountsThisMonth } from "./interviews.js";

export const INTERVIEW_CONVERSATION = "interview";
const NOT_ASKED = "not_asked";

export function volunteersFeature(deps: FeatureDeps): Feature {
  const { db, config } = deps;

  async function countsText(userId: number, lang: Language, t: Translate): Promise<string> {
    const counts = await interviewCountsThisMonth(db, userId, config.TIMEZONE);
    if (counts.length === 0) return t("volunteers.counts_none");
    const lines = [];
    for (const c of counts) {
      lines.push(
        t("volunteers.counts_line", {
          commune: await communeName(db, c.communeCode, lang),
          interviews: formatNumber(c.interviews, lang),
          ratings: formatNumber(c.ratings, lang),
        }),
      );
    }
    return [t("volunteers.counts_title"), ...lines].join("\n");
  }

  /** Yes / No / Not asked → true / false / null. */
  async function askYesNo(d: Dialogue, header: string, key: string): Promise<boolean | null> {
    const answer = await d.ask({
      text: `${header}\n\n${d.t(key)}`,
      choices: [[{ label: d.t("volunteers.yes"), value: "yes" }, { label: d.t("volunteers.no"), value: "no" }], [{ label: d.t("volunteers.not_asked"), value: NOT_ASKED }]],
      hint: "rating.hint_buttons",
    });
    return answer.kind === "choice" && answer.value !== NOT_ASKED ? answer.value === "yes" : null;
  }

  async function askRespondent(d: Dialogue, commune: string): Promise<RaterProfile> {
    const header = (step: number) => d.t("volunteers.respondent_header", { commune, progress: d.progress(step, 5) });
    const pick = async <T extends string>(step: number, key: string, labelPrefix: "sex" | "age", values: readonly T[]): Promise<T | null> => {
      const answer = await d.ask({
        text: `${header(step)}\n\n${step === 1 ? `${d.t("volunteers.respondent_intro")}\n\n` : ""}${d.t(key)}`,
        // The same answers, in the same words, as the profile people give themselves.
        choices: [...values.map((v) => [{ label: d.t(`profile.${labelPrefix}_${v}`), value: v }]), [{ label: d.t("volunteers.not_asked"), value: NOT_ASKED }]],
        hint: "rating.hint_buttons",
      });
      return answer.kind === "choice" && answer.value !== NOT_ASKED ? (answer.value as T) : null;
    };
    const sex = await pick(1, "volunteers.sex_question", "sex", ratingSexes);
    const ageGroup = await pick(2, "volunteers.age_question", "age", ageGroups);
    const disability = await askYesNo(d, header(3), "volunteers.disability_question");
    const minority = await askYesNo(d, header(4), "volunteers.minority_question");
    const idPoor = await askYesNo(d, header(5), "volunteers.id_poor_question");
    return { sex, ageGroup, disability, minority, idPoor };
  }

  async function interview(conversation: MatiConversation, ctx: MatiConversationContext): Promise<void> {
    const volunteer = ctx.user;
    if (!volunteer || !hasRole(volunteer, "volunteer")) {
      await ctx.reply(ctx.t("volunteers.not_volunteer"));
      return;
    }
    const lang = ctx.lang;
    const communes = await conversation.external(async () => {
      const codes = await communesOfVolunteer(db, volunteer.id);
      return Promise.all(codes.map(async (code) => ({ code, name: await communeName(db, code, lang) })));
    });
    if (communes.length === 0) {
      await ctx.reply(ctx.t("volunteers.no_communes"));
      return;
    }
    const d = new Dialogue(conversation, ctx, "volunteers.too_long");
    let commune = communes[0]!;
    if (communes.length > 1) {
      const answer = await d.ask({
        text: d.t("volunteers.choose_commune"),
        choices: communes.map((c) => [{ label: c.name, value: c.code }]),
        hint: "rating.hint_buttons",
      });
      commune = communes.find((c) => answer.kind === "choice" && c.code === answer.value)!;
    }
    const profile = await askRespondent(d, commune.name);
    // Links this respondent's ratings to each other, and to nobody.
    const interviewId = await conversation.external(() => crypto.randomUUID());

    const rated: string[] = [];
    for (;;) {
      const service = await askService(d, d.t("volunteers.choose_service", { commune: commune.name }), rated);
      const draft = await askRatingQuestions(d, service);
      const decision = await reviewRating(d, draft, { place: commune.name });
      if (decision === "send") {
        await conversation.external(() =>
          once(db, `interview-rating:${d.ctx.update.update_id}`, (tx) => recordRating(tx, {
            service: service.key,
            communeCode: commune.code,
            source: "interview",
            volunteerUserId: volunteer.id,
            interviewId,
            facilityName: draft.facilityName,
            scores: scoresToStore(draft),
            informalPayment: draft.informalPayment,
            comment: draft.comment,
            commentVoiceFileId: draft.commentVoiceFileId,
            profile,
          })),
        );
        rated.push(service.key);
      }
      // Every service rated: nothing left to offer, the loop ends by itself.
      if (rated.length === services.length) break;
      const said = decision === "send" ? d.t("volunteers.saved", { service: d.t(serviceNameKey(service.key)) }) : d.t("volunteers.not_saved");
      const again = await d.ask({
        text: `${said}\n\n${d.t("volunteers.another_question")}`,
        choices: [[{ label: d.t("volunteers.another_yes"), value: "yes" }], [{ label: d.t("volunteers.another_no"), value: "no" }]],
        hint: "rating.hint_buttons",
      });
      if (answerIs(again, "no")) break;
    }
    const t = d.t;
    const counts = await conversation.external(() => countsText(volunteer.id, d.lang, t));
    await d.close(
      `${d.t("volunteers.done", { count: formatNumber(rated.length, d.lang) })}\n\n${counts}`,
      new InlineKeyboard().text(d.t("volunteers.record_another"), "menu:interview"),
    );
  }

  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");
  const startInterview = async (ctx: MatiContext) => {
    if (!hasRole(ctx.user, "volunteer")) {
      await ctx.reply(ctx.t("volunteers.not_volunteer"));
      return;
    }
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(INTERVIEW_CONVERSATION);
  };
  privateChat.command("interview", startInterview);
  privateChat.callbackQuery("menu:interview", async (ctx) => {
    await ctx.answerCallbackQuery();
    await startInterview(ctx);
  });
  const showCounts = async (ctx: MatiContext) => {
    if (!hasRole(ctx.user, "volunteer")) {
      await ctx.reply(ctx.t("volunteers.not_volunteer"));
      return;
    }
    await ctx.reply(await countsText(ctx.user!.id, ctx.lang, ctx.t));
  };
  privateChat.command("myinterviews", showCounts);
  privateChat.callbackQuery("menu:myinterviews", async (ctx) => {
    await ctx.answerCallbackQuery();
    await showCounts(ctx);
  });

  return {
    name: "volunteers",
    conversations: { [INTERVIEW_CONVERSATION]: interview },
    composer,
    commands: [
      { command: "interview", descriptionKey: "volunteers.command_interview", scope: "private", minRole: "volunteer" },
      { command: "myinterviews", descriptionKey: "volunteers.command_myinterviews", scope: "private", minRole: "volunteer" },
    ],
    mainMenu: [
      { labelKey: "volunteers.menu", callbackData: "menu:interview", order: 40, minRole: "volunteer" },
      { labelKey: "volunteers.menu_counts", callbackData: "menu:myinterviews", order: 41, minRole: "volunteer" },
    ],
  };
}

function answerIs(answer: Answer, value: string): boolean {
  return answer.kind === "choice" && answer.value === value;
}
