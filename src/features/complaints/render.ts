/**
 * What people read about a complaint: the council's message (never anything
 * identifying an anonymous citizen), the citizen's list and history, and the
 * keyboards with their short callback data. Pure functions of the data.
 */
import { InlineKeyboard } from "grammy";
import type { Complaint, ComplaintEvent, ComplaintStatus } from "../../db/schema/index.js";
import { formatDate, formatDateTime, type Language, type Translate } from "../../i18n.js";
import { complaintCategoryKey } from "../catalogue/complaint-categories.js";
import { serviceNameKey } from "../catalogue/services.js";
import { areaLabel } from "../areas/names.js";
import { councilName, type Area } from "../councils/councils.js";
import { canDo, finished } from "./lifecycle.js";

const DAY_MS = 86_400_000;

/** "today" / "yesterday" / "3 days ago", in whole days since the complaint was sent. */
export function age(from: Date, now: Date, t: Translate): string {
  const days = Math.floor((now.getTime() - from.getTime()) / DAY_MS);
  if (days <= 0) return t("complaints.age_today");
  if (days === 1) return t("complaints.age_yesterday");
  return t("complaints.age_days", { count: days });
}

export function statusLabel(status: ComplaintStatus, t: Translate): string {
  return t(`complaints.status.${status}`);
}

export function attachmentsSummary(c: Pick<Complaint, "photoFileIds" | "voiceFileId" | "latitude">, t: Translate): string | undefined {
  const parts: string[] = [];
  if (c.photoFileIds.length) parts.push(t("complaints.att_photos", { count: c.photoFileIds.length }));
  if (c.voiceFileId) parts.push(t("complaints.att_voice"));
  if (c.latitude !== null) parts.push(t("complaints.att_location"));
  return parts.length ? parts.join(" · ") : undefined;
}

/** The lines both sides read: problem, service, place, attachments (no identity). */
export function complaintFields(
  c: Pick<Complaint, "category" | "serviceKey" | "photoFileIds" | "voiceFileId" | "latitude">,
  place: { commune: Area; district?: Area },
  lang: Language,
  t: Translate,
): string[] {
  const lines = [t("complaints.field_category", { value: t(complaintCategoryKey(c.category)) })];
  if (c.serviceKey) lines.push(t("complaints.field_service", { value: t(serviceNameKey(c.serviceKey)) }));
  const where = [areaLabel(place.commune, lang), place.district ? areaLabel(place.district, lang) : undefined].filter(Boolean).join(lang === "km" ? " " : ", ");
  lines.push(t("complaints.field_place", { value: where }));
  const attachments = attachmentsSummary(c, t);
  if (attachments) lines.push(t("complaints.field_attachments", { value: attachments }));
  return lines;
}

export interface CouncilView {
  complaint: Complaint;
  place: { commune: Area; district?: Area };
  /** The latest status change, for "who acted". */
  lastStatus?: ComplaintEvent;
  /** When it came forwarded: from which council and why. */
  forwardedFrom?: { area: Area; note: string };
}

/**
 * The council's message. An anonymous complaint shows no name at all; a named
 * one the first name only (what the citizen agreed to).
 */
export function councilMessage(view: CouncilView, lang: Language, t: Translate, timeZone: string, now = new Date()): string {
  const c = view.complaint;
  const lines = [t("complaints.g_title", { reference: c.reference })];
  if (view.forwardedFrom) lines.push(t("complaints.g_forwarded_from", { council: councilName(view.forwardedFrom.area, lang), note: view.forwardedFrom.note }));
  lines.push(...complaintFields(c, view.place, lang, t));
  lines.push(t("complaints.field_identity", { value: c.anonymous || !c.reporterName ? t("complaints.anonymous") : c.reporterName }));
  lines.push(t("complaints.field_filed", { value: `${formatDate(c.createdAt, lang, timeZone)} (${age(c.createdAt, now, t)})` }));
  lines.push("", c.description, "");
  const last = view.lastStatus;
  if (last && last.actorKind === "council" && last.actorName && last.toStatus === c.status) {
    lines.push(t("complaints.g_status_by", { status: statusLabel(c.status, t), name: last.actorName, when: formatDateTime(last.createdAt, lang, timeZone) }));
  } else {
    lines.push(t("complaints.g_status", { status: statusLabel(c.status, t) }));
  }
  return lines.join("\n");
}

/** No buttons at all rather than an empty row (Telegram refuses empty rows). */
export function markupOrNone(kb: InlineKeyboard): { reply_markup?: InlineKeyboard } {
  return kb.inline_keyboard.some((row) => row.length > 0) ? { reply_markup: kb } : {};
}

/** Council buttons: only what the current status allows (a stale message is still checked on press). */
export function councilKeyboard(c: Pick<Complaint, "id" | "status">, t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  const id = c.id;
  if (canDo("acknowledge", c.status)) kb.text(t("complaints.g_button_ack"), `c:ack:${id}`);
  if (canDo("start", c.status)) kb.text(t("complaints.g_button_progress"), `c:prog:${id}`);
  if (canDo("resolve", c.status)) kb.row().text(t("complaints.g_button_resolved"), `c:res:${id}`);
  if (canDo("reject", c.status)) kb.text(t("complaints.g_button_not_ours"), `c:not:${id}`);
  if (!finished.includes(c.status)) kb.row().text(t("complaints.g_button_ask"), `c:ask:${id}`);
  return kb;
}

/** The follow-up question's answers: still fixed, or the problem is back. */
export function followUpKeyboard(c: Pick<Complaint, "id">, t: Translate): InlineKeyboard {
  return new InlineKeyboard().text(t("complaints.button_still_fixed"), `fu:y:${c.id}`).row().text(t("complaints.button_broken_again"), `fu:n:${c.id}`);
}

/** "Not our responsibility": forward up (commune councils only) or close with a reason. */
export function notOursKeyboard(c: Pick<Complaint, "id" | "status">, canForward: boolean, t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (canForward && canDo("forward", c.status)) kb.text(t("complaints.g_button_forward"), `c:fwd:${c.id}`).row();
  kb.text(t("complaints.g_button_reject"), `c:rej:${c.id}`).row();
  kb.text(t("complaints.g_button_back"), `c:back:${c.id}`);
  return kb;
}

/** One line of the citizen's history. */
export function historyLine(e: ComplaintEvent, councils: Map<string, Area>, lang: Language, t: Translate, timeZone: string): string {
  const when = formatDateTime(e.createdAt, lang, timeZone);
  const council = e.councilAreaCode && councils.get(e.councilAreaCode) ? councilName(councils.get(e.councilAreaCode)!, lang) : t("complaints.the_council");
  const note = e.note ?? "";
  let what: string;
  switch (e.kind) {
    case "question":
      what = t("complaints.ev_question", { council, note });
      break;
    case "answer":
      what = t("complaints.ev_answer", { note });
      break;
    case "info":
      what = t("complaints.ev_info", { note });
      break;
    case "overdue":
      what = t("complaints.ev_overdue");
      break;
    case "follow_up":
      what = t("complaints.ev_follow_up");
      break;
    case "still_fixed":
      what = t("complaints.ev_still_fixed");
      break;
    default:
      if (e.toStatus === "new") what = t("complaints.ev_sent");
      else if (e.actorKind === "citizen" && e.toStatus === "closed") what = t("complaints.ev_confirmed");
      else if (e.actorKind === "citizen") what = t("complaints.ev_reopened", { note });
      else if (e.toStatus === "forwarded") what = t("complaints.ev_forwarded", { council, note });
      else what = `${statusLabel(e.toStatus!, t)}${note ? ` — «${note}»` : ""}`;
  }
  return `• ${when}\n  ${what}`;
}
