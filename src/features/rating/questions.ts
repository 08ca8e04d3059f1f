/**
 * The rating questions, asked the same way of a citizen (/rate) and of an
 * interview respondent (volunteers): service → facility where there may be
 * several → each criterion on the ISAF faces → informal payment where the
 * service asks it → optional comment → summary with changes → send.
 */
import { scale, scaleLabelKey } from "../catalogue/scale.js";
import { criterionKey, serviceByKey, serviceNameKey, services, type Service } from "../catalogue/services.js";
import type { InformalPaymentAnswer } from "../../db/schema/index.js";
import type { Choice, Dialogue } from "./dialogue.js";

/**
 * Services where a commune may have more than one (several schools, a health
 * centre and a post): the person may name the one they mean. Belongs in the
 * catalogue; kept here until the catalogue grows the field.
 */
export const servicesWithSeveralFacilities: ReadonlySet<string> = new Set(["health_centre", "primary_school"]);

export interface RatingDraft {
  service: string;
  facilityName: string | null;
  /** Every criterion asked; null = doesn't apply / don't know. */
  scores: Record<string, number | null>;
  informalPayment: InformalPaymentAnswer | null;
  comment: string | null;
  commentVoiceFileId: string | null;
}

type Step = { kind: "facility" } | { kind: "criterion"; criterion: string } | { kind: "payment" } | { kind: "comment" };

/** The questions asked in turn. The comment is not one of them: it is offered on the summary (one tap fewer). */
export function stepsOf(service: Service): Step[] {
  return [
    ...(servicesWithSeveralFacilities.has(service.key) ? [{ kind: "facility" as const }] : []),
    ...service.criteria.map((criterion) => ({ kind: "criterion" as const, criterion })),
    ...(service.asksInformalPayment ? [{ kind: "payment" as const }] : []),
  ];
}

/** What the summary shows and lets the person change: the questions and the comment. */
function reviewStepsOf(service: Service): Step[] {
  return [...stepsOf(service), { kind: "comment" }];
}

const NOT_APPLICABLE = "na";
const SKIP = "skip";
const paymentAnswers: readonly InformalPaymentAnswer[] = ["yes", "no", "dont_know"];
const COMMENT_LIMIT = 3000;

/** The service to rate, the four ISAF services first (catalogue order). */
export async function askService(d: Dialogue, title: string, exclude: readonly string[] = []): Promise<Service> {
  const choices = services.filter((s) => !exclude.includes(s.key)).map((s) => [{ label: d.t(serviceNameKey(s.key)), value: s.key }]);
  const answer = await d.ask({ text: title, choices, hint: "rating.hint_buttons" });
  // ask() only returns offered values.
  return serviceByKey(answer.kind === "choice" ? answer.value : "")!;
}

/** All questions of one service, in order; the draft then goes to review. */
export async function askRatingQuestions(d: Dialogue, service: Service): Promise<RatingDraft> {
  const draft: RatingDraft = { service: service.key, facilityName: null, scores: {}, informalPayment: null, comment: null, commentVoiceFileId: null };
  const steps = stepsOf(service);
  for (const [i, step] of steps.entries()) await askStep(d, draft, step, { index: i + 1, total: steps.length });
  return draft;
}

/** Asks one step; `position` ("2/8") only for questions asked in turn, not for the comment offered on the summary. */
async function askStep(d: Dialogue, draft: RatingDraft, step: Step, position?: { index: number; total: number }): Promise<void> {
  const t = d.t;
  const service = t(serviceNameKey(draft.service));
  const header = position
    ? t("rating.question_header", { service, progress: d.progress(position.index, position.total) })
    : t("rating.question_header_plain", { service });
  const skip: Choice = { label: t("rating.skip"), value: SKIP };
  switch (step.kind) {
    case "facility": {
      const answer = await d.ask({
        text: `${header}\n\n${t("rating.facility_question")}`,
        choices: [[skip]],
        accepts: "text",
        hint: "rating.hint_facility",
      });
      draft.facilityName = answer.kind === "text" ? answer.text.trim().slice(0, 200) || null : null;
      return;
    }
    case "criterion": {
      const answer = await d.ask({
        text: `${header}\n\n${t("rating.criterion_question", { criterion: t(criterionKey(draft.service, step.criterion)) })}`,
        choices: [
          ...scale.map((s) => [{ label: `${s.face} ${t(scaleLabelKey(s.code))}`, value: String(s.score) }]),
          [{ label: `➖ ${t(scaleLabelKey("not_applicable"))}`, value: NOT_APPLICABLE }],
        ],
        hint: "rating.hint_buttons",
      });
      draft.scores[step.criterion] = answer.kind === "choice" && answer.value !== NOT_APPLICABLE ? Number(answer.value) : null;
      return;
    }
    case "payment": {
      const answer = await d.ask({
        text: `${header}\n\n${t("rating.payment_question")}`,
        choices: [paymentAnswers.map((a) => ({ label: t(`rating.payment_${a}`), value: a }))],
        hint: "rating.hint_buttons",
      });
      draft.informalPayment = answer.kind === "choice" ? (answer.value as InformalPaymentAnswer) : null;
      return;
    }
    case "comment": {
      const answer = await d.ask({
        text: `${header}\n\n${t("rating.comment_question")}`,
        choices: [[skip]],
        accepts: "text_or_voice",
        hint: "rating.hint_comment",
      });
      draft.comment = answer.kind === "text" ? answer.text.trim().slice(0, COMMENT_LIMIT) || null : null;
      draft.commentVoiceFileId = answer.kind === "voice" ? answer.fileId : null;
      return;
    }
  }
}

export function hasScores(draft: RatingDraft): boolean {
  return Object.values(draft.scores).some((s) => s !== null);
}

function faceOf(score: number | null | undefined): string {
  return scale.find((s) => s.score === score)?.face ?? "➖";
}

function answerLine(d: Dialogue, draft: RatingDraft, step: Step): string {
  const t = d.t;
  switch (step.kind) {
    case "facility":
      return `📍 ${t("rating.summary_facility", { facility: draft.facilityName ?? "—" })}`;
    case "criterion": {
      const score = draft.scores[step.criterion];
      const label = score ? t(scaleLabelKey(scale.find((s) => s.score === score)!.code)) : t(scaleLabelKey("not_applicable"));
      return `${faceOf(score)} ${t(criterionKey(draft.service, step.criterion))}: ${label}`;
    }
    case "payment":
      return `💰 ${t("rating.summary_payment", { answer: draft.informalPayment ? t(`rating.payment_${draft.informalPayment}`) : "—" })}`;
    case "comment": {
      const comment = draft.commentVoiceFileId
        ? t("rating.summary_voice")
        : draft.comment
          ? `«${draft.comment.length > 200 ? `${draft.comment.slice(0, 200)}…` : draft.comment}»`
          : "—";
      return `💬 ${t("rating.summary_comment", { comment })}`;
    }
  }
}

function changeLabel(d: Dialogue, draft: RatingDraft, step: Step): string {
  const t = d.t;
  switch (step.kind) {
    case "facility":
      return `📍 ${t("rating.change_facility")}`;
    case "criterion":
      return `${faceOf(draft.scores[step.criterion])} ${t(criterionKey(draft.service, step.criterion))}`;
    case "payment":
      return `💰 ${t("rating.change_payment")}`;
    case "comment":
      return `💬 ${t("rating.change_comment")}`;
  }
}

/**
 * The summary: every answer, what sending will do (e.g. replace an earlier
 * rating), and Send / Change an answer / Cancel. Changing goes back to the
 * summary. Returns the decision; the draft is changed in place.
 */
export async function reviewRating(
  d: Dialogue,
  draft: RatingDraft,
  opts: { place: string; notice?: string },
): Promise<"send" | "cancel"> {
  const service = serviceByKey(draft.service)!;
  const steps = reviewStepsOf(service);
  const questions = stepsOf(service).length;
  for (;;) {
    const t = d.t;
    const canSend = hasScores(draft);
    const lines = [
      t("rating.summary_title"),
      "",
      `⭐ ${t(serviceNameKey(draft.service))} — ${opts.place}`,
      ...steps.map((step) => answerLine(d, draft, step)),
      ...(canSend ? (opts.notice ? ["", opts.notice] : []) : ["", t("rating.summary_no_scores")]),
    ];
    const answer = await d.ask({
      text: lines.join("\n"),
      choices: [
        ...(canSend ? [[{ label: t("rating.send"), value: "send" }]] : []),
        ...(canSend && !draft.comment && !draft.commentVoiceFileId ? [[{ label: t("rating.add_comment"), value: "comment" }]] : []),
        [{ label: t("rating.change"), value: "change" }],
        [{ label: t("rating.cancel"), value: "cancel" }],
      ],
      hint: "rating.hint_buttons",
    });
    const decision = answer.kind === "choice" ? answer.value : "";
    if (decision === "send") return "send";
    if (decision === "cancel") return "cancel";
    if (decision === "comment") {
      await askStep(d, draft, { kind: "comment" });
      continue;
    }
    const pick = await d.ask({
      text: t("rating.which_to_change"),
      choices: [...steps.map((step, i) => [{ label: changeLabel(d, draft, step), value: String(i) }]), [{ label: t("rating.back"), value: "back" }]],
      hint: "rating.hint_buttons",
    });
    if (pick.kind !== "choice" || pick.value === "back") continue;
    const index = Number(pick.value);
    await askStep(d, draft, steps[index]!, index < questions ? { index: index + 1, total: questions } : undefined);
  }
}

/** The scores to store: "doesn't apply" is left out, never saved as zero. */
export function scoresToStore(draft: RatingDraft): Record<string, number> {
  return Object.fromEntries(Object.entries(draft.scores).filter((e): e is [string, number] => e[1] !== null));
}
