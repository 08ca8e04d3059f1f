/**
 * How a commitment reads, in each language: the council's message with its
 * buttons, the staff member's view, the citizens' question, reminders and
 * the line that puts the council's claim next to the citizens' answers.
 * Citizens appear only as counts (and only from 5 answers on).
 */
import { InlineKeyboard } from "grammy";
import type { Database } from "../../db/client.js";
import { type Area, type BroadcastContent, type Commitment, type CommitmentEvent, type Forum } from "../../db/schema/index.js";
import { formatDate, formatNumber, languages, translator, type Language, type Translate } from "../../i18n.js";
import { findArea } from "../areas/areas.js";
import { areaLabel } from "../areas/names.js";
import { MIN_RATINGS_SHOWN } from "../catalogue/scale.js";
import { serviceNameKey } from "../catalogue/services.js";
import { councilName } from "../councils/councils.js";
import { getForum } from "../forums/forums.js";
import { forumTitle } from "../forums/messages.js";
import { fromWallClock } from "../forums/time.js";
import { isResponsibleBody, statusEmoji } from "./catalogue.js";
import { eventsOf, verificationTally, type Tally } from "./commitments.js";
import { dueEnds } from "./schedule.js";

export interface CommitmentView {
  commitment: Commitment;
  council: Area;
  area: Area;
  forum?: Forum;
  events: CommitmentEvent[];
  photos: number;
  tally: Tally;
}

async function area(db: Database, code: string): Promise<Area> {
  return (await findArea(db, code))!;
}

export async function commitmentView(db: Database, commitment: Commitment): Promise<CommitmentView> {
  const events = await eventsOf(db, commitment.id);
  return {
    commitment,
    council: await area(db, commitment.councilAreaCode),
    area: await area(db, commitment.areaCode),
    forum: commitment.forumId ? await getForum(db, commitment.forumId) : undefined,
    events,
    photos: events.filter((e) => e.kind === "evidence").length,
    tally: await verificationTally(db, commitment.id),
  };
}

/** The due day, written out ("ថ្ងៃចន្ទ ទី៣១ ខែសីហា ឆ្នាំ២០២៦"). */
export function dueText(dueOn: string, lang: Language, timeZone: string): string {
  const [y, m, d] = dueOn.split("-").map(Number) as [number, number, number];
  return formatDate(fromWallClock(y, m, d, 12, 0, timeZone)!, lang, timeZone);
}

export function responsibleName(view: Pick<CommitmentView, "commitment" | "council">, lang: Language): string {
  const r = view.commitment.responsible;
  if (r === "council") return councilName(view.council, lang);
  return isResponsibleBody(r) ? translator(lang)(`commitments.body.${r}`) : r;
}

export function statusText(status: Commitment["status"], t: Translate): string {
  return `${statusEmoji[status]} ${t(`commitments.status_${status}`)}`;
}

/** "12 answered: 7 yes, 3 partly, 2 no", or why nothing is shown yet. */
export function tallyText(tally: Tally, lang: Language): string {
  const t = translator(lang);
  const n = (v: number) => formatNumber(v, lang);
  if (!tally.shown) return tally.asked > 0 ? t("commitments.tally_withheld", { min: n(MIN_RATINGS_SHOWN), asked: n(tally.asked) }) : t("commitments.tally_withheld_plain", { min: n(MIN_RATINGS_SHOWN) });
  return t("commitments.tally", { answered: n(tally.answered), yes: n(tally.yes), partly: n(tally.partly), no: n(tally.no) });
}

/** The council's claim beside the citizens' answers: "Council says done · citizens: 12 answered …". */
export function claimLine(view: CommitmentView, lang: Language, timeZone: string): string {
  const t = translator(lang);
  const c = view.commitment;
  if (c.status !== "done") return t("commitments.claim_not_done", { status: statusText(c.status, t) });
  return t("commitments.claim_done", { date: formatDate(c.doneAt!, lang, timeZone), citizens: tallyText(view.tally, lang) });
}

export function isOverdue(c: Commitment, now: Date, timeZone: string): boolean {
  return c.status !== "done" && now >= dueEnds(c.dueOn, timeZone);
}

/** The lines every view shares: what, who, where, by when, from which forum, status. */
function body(view: CommitmentView, lang: Language, timeZone: string, now: Date): string[] {
  const t = translator(lang);
  const c = view.commitment;
  const lines = [`«${c.text}»`, "", t("commitments.line_responsible", { who: responsibleName(view, lang) })];
  const place = areaLabel(view.area, lang);
  lines.push(c.serviceKey ? t("commitments.line_service", { service: t(serviceNameKey(c.serviceKey)), place }) : t("commitments.line_place", { place }));
  lines.push(t(isOverdue(c, now, timeZone) ? "commitments.line_due_overdue" : "commitments.line_due", { date: dueText(c.dueOn, lang, timeZone) }));
  if (view.forum) lines.push(t("commitments.line_forum", { title: forumTitle(view.forum, lang), date: formatDate(view.forum.startsAt, lang, timeZone) }));
  const last = [...view.events].reverse().find((e) => e.kind === "started" || e.kind === "done");
  lines.push(
    last?.actorName
      ? t("commitments.line_status_by", { status: statusText(c.status, t), name: last.actorName, date: formatDate(last.createdAt, lang, timeZone) })
      : t("commitments.line_status", { status: statusText(c.status, t) }),
  );
  if (view.photos > 0) lines.push(t("commitments.line_photos", { n: formatNumber(view.photos, lang) }));
  if (c.status === "done") lines.push(t("commitments.line_citizens", { citizens: tallyText(view.tally, lang) }));
  return lines;
}

/** The message in the council's group (its buttons: councilKeyboard). */
export function councilMessage(view: CommitmentView, lang: Language, timeZone: string, now = new Date()): string {
  const t = translator(lang);
  return [t("commitments.g_title", { reference: view.commitment.reference, council: councilName(view.council, lang) }), "", ...body(view, lang, timeZone, now)].join("\n");
}

/** Started (while planned) · Done (until done) · add a photo (always). cmp:<st|dn|ph>:<id>. */
export function councilKeyboard(commitment: Commitment, lang: Language): InlineKeyboard {
  const t = translator(lang);
  const keyboard = new InlineKeyboard();
  if (commitment.status === "planned") keyboard.text(t("commitments.button_started"), `cmp:st:${commitment.id}`);
  if (commitment.status !== "done") keyboard.text(t("commitments.button_done"), `cmp:dn:${commitment.id}`);
  keyboard.row().text(t("commitments.button_photo"), `cmp:ph:${commitment.id}`);
  return keyboard;
}

/** The staff member's view of one commitment. */
export function staffDetail(view: CommitmentView, lang: Language, timeZone: string, now = new Date()): string {
  const t = translator(lang);
  return [
    t("commitments.s_title", { reference: view.commitment.reference, council: councilName(view.council, lang) }),
    "",
    ...body(view, lang, timeZone, now),
    "",
    claimLine(view, lang, timeZone),
    view.commitment.groupMessageId ? t("commitments.s_posted") : t("commitments.s_not_posted"),
  ].join("\n");
}

/** One line of a list ("🔧 CM-42-1 «…» — due …"). */
export function listLine(view: CommitmentView, lang: Language, timeZone: string): string {
  const t = translator(lang);
  const c = view.commitment;
  const head = `${statusEmoji[c.status]} ${c.reference} «${c.text.length > 80 ? `${c.text.slice(0, 79)}…` : c.text}»`;
  return c.status === "done" ? `${head}\n   ${claimLine(view, lang, timeZone)}` : `${head}\n   ${t("commitments.list_due", { date: dueText(c.dueOn, lang, timeZone) })}`;
}

export const verificationCode: Record<string, "yes" | "partly" | "no"> = { y: "yes", p: "partly", n: "no" };

/** Yes · Partly · No, the person's answer ticked. cmv:<id>:<y|p|n>. */
export function verificationKeyboard(commitmentId: number, lang: Language, chosen?: "yes" | "partly" | "no"): InlineKeyboard {
  const t = translator(lang);
  const keyboard = new InlineKeyboard();
  for (const [code, answer] of Object.entries(verificationCode)) {
    const label = t(`commitments.answer_${answer}`);
    keyboard.text(answer === chosen ? `✅ ${label}` : label, `cmv:${commitmentId}:${code}`);
  }
  return keyboard;
}

/** The question to citizens, in each language, with the council's photo when it sent one. */
export function verificationContent(view: CommitmentView, photo: string | undefined, timeZone: string): BroadcastContent {
  return Object.fromEntries(
    languages.map((lang) => {
      const t = translator(lang);
      const c = view.commitment;
      const place = areaLabel(view.area, lang);
      const what = c.serviceKey ? t("commitments.line_service", { service: t(serviceNameKey(c.serviceKey)), place }) : t("commitments.line_place", { place });
      const forum = view.forum ? `\n${t("commitments.line_forum", { title: forumTitle(view.forum, lang), date: formatDate(view.forum.startsAt, lang, timeZone) })}` : "";
      const text = `🔎 ${t("commitments.ask_heading", { council: councilName(view.council, lang) })}\n\n«${c.text}»\n${what}${forum}\n\n${t("commitments.ask_question")}`;
      const replyMarkup = { inline_keyboard: verificationKeyboard(c.id, lang).inline_keyboard };
      // A photo's caption holds 1024 characters.
      return [lang, photo ? { text: text.slice(0, 1024), photo, replyMarkup } : { text, replyMarkup }];
    }),
  ) as BroadcastContent;
}
