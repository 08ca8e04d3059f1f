/**
 * The optional profile questions (sex, age group, disability, ethnic minority
 * or indigenous, ID-Poor card), one screen each, every one skippable. Used at
 * the end of onboarding and from /settings.
 *
 * Callback data: pf:<question>:<answer>, "-" for skip (e.g. pf:sex:f, pf:dis:-).
 */
import { InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import { formatNumber, type Language, type Translate } from "../../i18n.js";
import { askChoice } from "../ui/screen.js";
import { setProfileAnswer, type Profile, type ProfileField } from "./person.js";

interface Question<F extends ProfileField = ProfileField> {
  field: F;
  /** Short id in callback data. */
  id: string;
  questionKey: string;
  answers: { code: string; value: NonNullable<Profile[F]>; labelKey: string }[];
  perRow: number;
}

const yesNo = (yes: string, no: string) => [
  { code: "y", value: true, labelKey: yes },
  { code: "n", value: false, labelKey: no },
];

export const profileQuestions: Question[] = [
  {
    field: "sex",
    id: "sex",
    questionKey: "profile.sex",
    perRow: 2,
    answers: [
      { code: "f", value: "female", labelKey: "profile.sex_female" },
      { code: "m", value: "male", labelKey: "profile.sex_male" },
      { code: "o", value: "other", labelKey: "profile.sex_other" },
      { code: "n", value: "undisclosed", labelKey: "profile.sex_undisclosed" },
    ],
  },
  {
    field: "ageGroup",
    id: "age",
    questionKey: "profile.age",
    perRow: 2,
    answers: [
      { code: "u", value: "under_15", labelKey: "profile.age_under_15" },
      { code: "y", value: "15_30", labelKey: "profile.age_15_30" },
      { code: "a", value: "31_45", labelKey: "profile.age_31_45" },
      { code: "m", value: "46_60", labelKey: "profile.age_46_60" },
      { code: "s", value: "61_plus", labelKey: "profile.age_61_plus" },
    ],
  },
  { field: "hasDisability", id: "dis", questionKey: "profile.disability", perRow: 2, answers: yesNo("profile.yes_have", "profile.no_have") },
  { field: "isIndigenous", id: "ind", questionKey: "profile.indigenous", perRow: 2, answers: yesNo("profile.yes_am", "profile.no_am") },
  { field: "hasIdPoor", id: "idp", questionKey: "profile.id_poor", perRow: 2, answers: yesNo("profile.yes_have", "profile.no_have") },
] as Question[];

export interface AskProfileOptions {
  db: Database;
  userId: number;
  lang: Language;
  t: Translate;
  messageId?: number;
  /** The answers given before (settings): marked with ✓ on their buttons. */
  current?: Profile;
}

/** Asks every profile question in turn, saving each answer (or null for skip) as it comes. */
export async function askProfile(
  conversation: MatiConversation,
  ctx: MatiConversationContext,
  options: AskProfileOptions,
): Promise<{ ctx: MatiConversationContext; messageId: number | undefined }> {
  const { db, userId, lang, t } = options;
  let messageId = options.messageId;
  let current = ctx;
  for (const [index, question] of profileQuestions.entries()) {
    const before = options.current?.[question.field];
    const buttons = question.answers.map((answer) => {
      const label = t(answer.labelKey);
      return InlineKeyboard.text(before === answer.value ? `✓ ${label}` : label, `pf:${question.id}:${answer.code}`);
    });
    const rows = [];
    for (let i = 0; i < buttons.length; i += question.perRow) rows.push(buttons.slice(i, i + question.perRow));
    rows.push([InlineKeyboard.text(t("profile.skip"), `pf:${question.id}:-`), InlineKeyboard.text(t("profile.skip_all"), `pf:${question.id}:*`)]);
    const keyboard = InlineKeyboard.from(rows);
    const text = t("profile.question", {
      step: formatNumber(index + 1, lang),
      steps: formatNumber(profileQuestions.length, lang),
      question: t(question.questionKey),
    });
    const answer = await askChoice(conversation, current, {
      messageId,
      content: { text, keyboard },
      t,
      accept: (data) => {
        const [prefix, id, code] = data.split(":");
        if (prefix !== "pf" || id !== question.id) return undefined;
        if (code === "-") return { value: null };
        if (code === "*") return { value: null, skipRest: true };
        const found = question.answers.find((a) => a.code === code);
        return found ? { value: found.value, skipRest: false } : undefined;
      },
    });
    await conversation.external(() => setProfileAnswer(db, userId, question.field, answer.value.value as never));
    current = answer.ctx;
    messageId = answer.messageId;
    // "Skip all": the rest stay as they are (unanswered for a newcomer).
    if (answer.value.skipRest) break;
  }
  return { ctx: current, messageId };
}

/** "ស្រី · ១៥–៣០ (យុវជន) · ពិការភាព" / "A woman · 15–30 (youth) · disability"; empty when nothing was given. */
export function profileSummary(profile: Profile, t: Translate): string {
  const parts: string[] = [];
  const strip = (label: string) => label.replace(/^\p{Extended_Pictographic}\uFE0F?\s*/u, "");
  for (const question of profileQuestions.slice(0, 2)) {
    const answer = question.answers.find((a) => a.value === profile[question.field]);
    if (answer) parts.push(strip(t(answer.labelKey)));
  }
  if (profile.hasDisability) parts.push(t("profile.summary_disability"));
  if (profile.isIndigenous) parts.push(t("profile.summary_indigenous"));
  if (profile.hasIdPoor) parts.push(t("profile.summary_id_poor"));
  return parts.join(" · ");
}
