/**
 * How a forum reads to citizens, in each language, and its RSVP buttons.
 * Used for the announcement, reminders, update and cancellation notices,
 * /forums and the staff preview, so all of them say the same thing.
 */
import { InlineKeyboard } from "grammy";
import type { BroadcastContent, Forum, RsvpAnswer } from "../../db/schema/index.js";
import { formatDate, formatTime, formatNumber, translator, type Language } from "../../i18n.js";
import { describeOffset } from "./time.js";
import { forumTypeKey } from "./catalogue.js";
import { perLanguage } from "../broadcast/content.js";

export interface AreaName {
  code: string;
  nameKm: string;
  nameEn: string;
  unitKm: string | null;
  unitEn: string | null;
}

export function forumTitle(forum: Pick<Forum, "titleKm" | "titleEn">, lang: Language): string {
  return (lang === "km" ? forum.titleKm ?? forum.titleEn : forum.titleEn ?? forum.titleKm) ?? "";
}

function areaName(area: AreaName, lang: Language): string {
  return lang === "km" ? `${area.unitKm ?? ""}${area.nameKm}` : area.unitEn ? `${area.nameEn} (${area.unitEn})` : area.nameEn;
}

export function mapsLink(forum: Pick<Forum, "latitude" | "longitude">): string | undefined {
  if (forum.latitude === null || forum.longitude === null) return undefined;
  return `https://maps.google.com/?q=${forum.latitude.toFixed(6)},${forum.longitude.toFixed(6)}`;
}

/** The forum's details: type, title, date, time, venue, areas, agenda. */
export function describeForum(forum: Forum, areas: AreaName[], lang: Language, timeZone: string): string {
  const t = translator(lang);
  const lines = [
    `${t(forumTypeKey(forum.type))}`,
    `«${forumTitle(forum, lang)}»`,
    "",
    `🗓 ${formatDate(forum.startsAt, lang, timeZone)}`,
    `🕗 ${formatTime(forum.startsAt, lang, timeZone)}`,
    `📍 ${forum.venue}`,
  ];
  const link = mapsLink(forum);
  if (link) lines.push(`🗺 ${link}`);
  if (areas.length > 0) lines.push(`👥 ${t("forums.for_areas", { areas: areas.map((a) => areaName(a, lang)).join(", ") })}`);
  if (forum.agenda) lines.push("", `📝 ${t("forums.agenda_label")}`, forum.agenda);
  return lines.join("\n");
}

const answerCode: Record<RsvpAnswer, string> = { yes: "y", maybe: "m", no: "n" };
export const answerFromCode: Record<string, RsvpAnswer> = { y: "yes", m: "maybe", n: "no" };

/** Going · Maybe · Can't go; the person's answer marked with ✅. Callback data: f:rsvp:<forum>:<y|m|n>. */
export function rsvpKeyboard(forumId: number, lang: Language, chosen?: RsvpAnswer): InlineKeyboard {
  const t = translator(lang);
  const keyboard = new InlineKeyboard();
  for (const answer of ["yes", "maybe", "no"] as const) {
    const label = t(`forums.rsvp_${answer}`);
    keyboard.text(answer === chosen ? `✅ ${label}` : label, `f:rsvp:${forumId}:${answerCode[answer]}`);
  }
  return keyboard;
}

/** The same content without its buttons (for council groups). */
export function withoutButtons(content: BroadcastContent): BroadcastContent {
  return Object.fromEntries(Object.entries(content).map(([lang, message]) => [lang, { text: message.text }])) as BroadcastContent;
}

export function announcementContent(forum: Forum, areas: AreaName[], timeZone: string): BroadcastContent {
  return perLanguage((lang) => {
    const t = translator(lang);
    return {
      text: `📢 ${t("forums.announce_heading")}\n\n${describeForum(forum, areas, lang, timeZone)}\n\n${t("forums.announce_question")}`,
      keyboard: rsvpKeyboard(forum.id, lang),
    };
  });
}

export function reminderContent(forum: Forum, areas: AreaName[], offset: string, timeZone: string): BroadcastContent {
  return perLanguage((lang) => {
    const t = translator(lang);
    return {
      text: `⏰ ${t("forums.reminder_heading", { when: describeOffset(offset, lang) })}\n\n${describeForum(forum, areas, lang, timeZone)}\n\n${t("forums.reminder_change")}`,
      keyboard: rsvpKeyboard(forum.id, lang),
    };
  });
}

export function updateContent(forum: Forum, areas: AreaName[], timeZone: string): BroadcastContent {
  return perLanguage((lang) => {
    const t = translator(lang);
    return {
      text: `🔄 ${t("forums.update_heading")}\n\n${describeForum(forum, areas, lang, timeZone)}\n\n${t("forums.update_question")}`,
      keyboard: rsvpKeyboard(forum.id, lang),
    };
  });
}

export function cancelContent(forum: Forum, timeZone: string): BroadcastContent {
  return perLanguage((lang) => {
    const t = translator(lang);
    return {
      text: `❌ ${t("forums.cancel_notice", {
        type: t(forumTypeKey(forum.type)),
        title: forumTitle(forum, lang),
        date: formatDate(forum.startsAt, lang, timeZone),
        time: formatTime(forum.startsAt, lang, timeZone),
      })}`,
    };
  });
}

export function countsLine(counts: { yes: number; maybe: number; no: number }, lang: Language): string {
  const t = translator(lang);
  return t("forums.rsvp_counts", { yes: formatNumber(counts.yes, lang), maybe: formatNumber(counts.maybe, lang), no: formatNumber(counts.no, lang) });
}
