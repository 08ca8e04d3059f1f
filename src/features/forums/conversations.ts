/** The staff conversations: /newforum, changing a forum's time or venue, recording attendance. */
import { InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Forum, ForumType } from "../../db/schema/index.js";
import { formatDate, formatNumber, formatTime, fromKhmerDigits, languages, toKhmerDigits, translator } from "../../i18n.js";
import { searchAreas } from "../broadcast/area-search.js";
import { askAreas } from "../broadcast/area-step.js";
import { countAudience } from "../broadcast/audience.js";
import { attachProgress } from "../broadcast/engine.js";
import type { FeatureDeps } from "../index.js";
import { defaultReminderOffsets, forumTypeKey, forumTypes, isForumType } from "./catalogue.js";
import { attendanceProblem, changeForum, createForum, getForum, publishForum, recordAttendance, type Attendance } from "./forums.js";
import { describeForum } from "./messages.js";
import { atClock, describeOffset, nextDays, parseClock, parseForumTime, parseReminderOffsets } from "./time.js";

type Conv = MatiConversation;
type Ctx = MatiConversationContext;

const isCommand = (text: string | undefined) => !!text && text.startsWith("/");

/** Waits for a plain text message (not a command), re-asking with `again`. */
async function waitText(conversation: Conv, again: string): Promise<Ctx & { message: { text: string } }> {
  return (await conversation
    .waitFor("message:text", { otherwise: (o) => o.reply(again) })
    .unless((c) => isCommand(c.message?.text), { otherwise: (o) => o.reply(again) })) as never;
}

function listOffsets(offsets: string[], lang: "km" | "en"): string {
  return offsets.map((o) => describeOffset(o, lang)).join(", ");
}

/** Date and time: typed in common forms, or a day button then a time. Never in the past. */
async function askStartTime(conversation: Conv, ctx: Ctx, timeZone: string, prompt: string): Promise<Date> {
  const t = ctx.t;
  const now = new Date(await conversation.now());
  const days = nextDays(now, 8, timeZone);
  const keyboard = new InlineKeyboard();
  days.forEach((day, i) => {
    const [y, m, d] = day.split("-").map(Number) as [number, number, number];
    const noon = new Date(Date.UTC(y, m - 1, d, 5)); // 12:00 in Phnom Penh; only the date is shown
    const label = ctx.lang === "km" ? toKhmerDigits(`${d}/${m}`) : new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(noon);
    keyboard.text(label, `nf:day:${day}`);
    if (i % 4 === 3) keyboard.row();
  });
  await ctx.reply(prompt, { reply_markup: keyboard });
  for (;;) {
    const answer = await conversation.waitFor(["message:text", "callback_query:data"], { otherwise: (o) => o.reply(t("forums.time_unreadable")) });
    const current = new Date(await conversation.now());
    if (answer.callbackQuery) {
      await answer.answerCallbackQuery();
      const day = /^nf:day:(\d{4}-\d{2}-\d{2})$/.exec(answer.callbackQuery.data ?? "")?.[1];
      if (!day) continue;
      const [y, m, d] = day.split("-").map(Number) as [number, number, number];
      const dayLabel = formatDate(new Date(Date.UTC(y, m - 1, d, 5)), ctx.lang, timeZone);
      const times = new InlineKeyboard();
      for (const clock of ["07:00", "08:00", "09:00", "13:30", "14:00", "15:00"]) times.text(ctx.lang === "km" ? toKhmerDigits(clock) : clock, `nf:clock:${clock}`);
      await answer.reply(t("forums.ask_clock", { date: dayLabel }), { reply_markup: times });
      for (;;) {
        const c = await conversation.waitFor(["message:text", "callback_query:data"], { otherwise: (o) => o.reply(t("forums.clock_unreadable")) });
        let clock: { hour: number; minute: number } | null;
        if (c.callbackQuery) {
          await c.answerCallbackQuery();
          const m2 = /^nf:clock:(\d{2}):(\d{2})$/.exec(c.callbackQuery.data ?? "");
          clock = m2 ? { hour: Number(m2[1]), minute: Number(m2[2]) } : null;
        } else clock = parseClock(c.message!.text);
        if (!clock) {
          await c.reply(t("forums.clock_unreadable"));
          continue;
        }
        const date = atClock(day, clock, timeZone);
        if (!date) {
          await c.reply(t("forums.clock_unreadable"));
          continue;
        }
        if (date.getTime() <= new Date(await conversation.now()).getTime()) {
          await c.reply(t("forums.time_past"));
          break; // pick or type again
        }
        return date;
      }
      continue;
    }
    const parsed = parseForumTime(answer.message!.text, current, timeZone);
    if (parsed.ok) return parsed.date;
    await answer.reply(t(parsed.reason === "past" ? "forums.time_past" : parsed.reason === "no_time" ? "forums.time_no_time" : "forums.time_unreadable"));
  }
}

async function askVenue(conversation: Conv, ctx: Ctx, prompt: string) {
  const t = ctx.t;
  await ctx.reply(prompt);
  let venue: string;
  for (;;) {
    const c = await waitText(conversation, t("forums.venue_empty"));
    venue = c.message.text.trim();
    if (venue && venue.length <= 500) break;
    await c.reply(t("forums.venue_empty"));
  }
  await ctx.reply(t("forums.ask_location"), { reply_markup: new InlineKeyboard().text(t("forums.skip_button"), "nf:skip") });
  const pin = await conversation.waitFor(["message:location", "callback_query:data"], { otherwise: (o) => o.reply(t("forums.ask_location")) });
  if (pin.callbackQuery) {
    await pin.answerCallbackQuery();
    return { venue, latitude: null, longitude: null };
  }
  return { venue, latitude: pin.message!.location!.latitude, longitude: pin.message!.location!.longitude };
}

export function forumConversations(deps: FeatureDeps) {
  const { db, config } = deps;
  const tz = config.TIMEZONE;

  async function newForum(conversation: Conv, ctx: Ctx) {
    const t = ctx.t;
    const typeKeyboard = new InlineKeyboard();
    for (const type of forumTypes) typeKeyboard.text(t(forumTypeKey(type)), `nf:type:${type}`).row();
    await ctx.reply(t("forums.ask_type"), { reply_markup: typeKeyboard });
    const typeAnswer = await conversation.waitForCallbackQuery(/^nf:type:(\w+)$/, { otherwise: (o) => o.reply(t("forums.press_a_button")) });
    await typeAnswer.answerCallbackQuery();
    const type = typeAnswer.match[1]!;
    if (!isForumType(type)) return void (await ctx.reply(t("forums.discarded")));

    await ctx.reply(t("forums.ask_title"));
    let titleKm: string | null = null;
    let titleEn: string | null = null;
    for (;;) {
      const c = await waitText(conversation, t("forums.title_empty"));
      const lines = c.message.text.split("\n").map((l) => l.trim()).filter(Boolean);
      const khmer = (s: string) => /[\u1780-\u17FF]/.test(s);
      if (lines.length >= 2) [titleKm, titleEn] = khmer(lines[0]!) || !khmer(lines[1]!) ? [lines[0]!, lines[1]!] : [lines[1]!, lines[0]!];
      else if (lines.length === 1) [titleKm, titleEn] = khmer(lines[0]!) ? [lines[0]!, null] : [null, lines[0]!];
      if (lines.length > 0 && lines.length <= 2 && (titleKm ?? "").length <= 200 && (titleEn ?? "").length <= 200) break;
      await c.reply(t("forums.title_empty"));
    }

    const startsAt = await askStartTime(conversation, ctx, tz, t("forums.ask_time"));
    const place = await askVenue(conversation, ctx, t("forums.ask_venue"));
    const areas = await askAreas(conversation, ctx, db, t("forums.ask_areas"));

    await ctx.reply(t("forums.ask_agenda"), { reply_markup: new InlineKeyboard().text(t("forums.skip_button"), "nf:skip") });
    let agenda: string | null = null;
    for (;;) {
      const c = await conversation.waitFor(["message:text", "callback_query:data"], { otherwise: (o) => o.reply(t("forums.ask_agenda")) });
      if (c.callbackQuery) {
        await c.answerCallbackQuery();
        break;
      }
      if (c.message!.text.length > 1500) {
        await c.reply(t("forums.agenda_too_long"));
        continue;
      }
      agenda = c.message!.text.trim() || null;
      break;
    }

    let reminderOffsets = defaultReminderOffsets;
    await ctx.reply(t("forums.ask_reminders", { reminders: listOffsets(reminderOffsets, ctx.lang) }), {
      reply_markup: new InlineKeyboard().text(t("forums.keep_button"), "nf:keep"),
    });
    for (;;) {
      const c = await conversation.waitFor(["message:text", "callback_query:data"], { otherwise: (o) => o.reply(t("forums.reminders_unreadable")) });
      if (c.callbackQuery) {
        await c.answerCallbackQuery();
        break;
      }
      const parsed = parseReminderOffsets(c.message!.text);
      if (parsed) {
        reminderOffsets = parsed;
        break;
      }
      await c.reply(t("forums.reminders_unreadable"));
    }

    // Preview exactly as citizens will read it, in each language.
    const preview: Forum = {
      id: 0, type: type as ForumType, titleKm, titleEn, startsAt, venue: place.venue, latitude: place.latitude, longitude: place.longitude, agenda,
      status: "draft", reminderOffsets, createdBy: null, attendanceTotal: null, attendanceWomen: null,
      createdAt: startsAt, updatedAt: startsAt, publishedAt: null, cancelledAt: null, checkinCode: "",
    };
    const areaNames = areas.map((a) => ({ code: a.code, nameKm: a.nameKm, nameEn: a.nameEn, unitKm: a.unitKm, unitEn: a.unitEn }));
    for (const lang of languages) {
      const lt = translator(lang);
      await ctx.reply(
        `${t("forums.preview_heading", { language: t(`forums.language_${lang}`) })}\n\n📢 ${lt("forums.announce_heading")}\n\n${describeForum(preview, areaNames, lang, tz)}\n\n${lt("forums.announce_question")}\n[ ${lt("forums.rsvp_yes")} · ${lt("forums.rsvp_maybe")} · ${lt("forums.rsvp_no")} ]`,
        { link_preview_options: { is_disabled: true } },
      );
    }
    const count = await conversation.external(() => countAudience(db, { kind: "citizens", areaCodes: areas.map((a) => a.code) }));
    await ctx.reply(t("forums.preview_confirm", { count: formatNumber(count, ctx.lang), reminders: listOffsets(reminderOffsets, ctx.lang) }), {
      reply_markup: new InlineKeyboard().text(t("forums.publish_button"), "nf:publish").text(t("forums.cancel_button"), "nf:discard"),
    });
    const confirm = await conversation.waitForCallbackQuery(["nf:publish", "nf:discard"], { otherwise: (o) => o.reply(t("forums.press_a_button")) });
    await confirm.answerCallbackQuery();
    await confirm.editMessageReplyMarkup().catch(() => {});
    if (confirm.callbackQuery.data === "nf:discard") return void (await ctx.reply(t("forums.discarded")));

    const published = await conversation.external(async () => {
      const forum = await createForum(db, {
        type: type as ForumType, titleKm, titleEn, startsAt, venue: place.venue, latitude: place.latitude, longitude: place.longitude, agenda,
        areaCodes: areas.map((a) => a.code), reminderOffsets, createdBy: ctx.user?.id ?? null,
      });
      const { broadcast } = await publishForum(deps, forum.id);
      return { forumId: forum.id, broadcastId: broadcast.id, total: broadcast.estimatedTotal };
    });
    await ctx.reply(t("forums.published", { id: published.forumId }));
    const zero = formatNumber(0, ctx.lang);
    const progress = await ctx.reply(
      t("broadcast.progress", { id: published.broadcastId, sent: zero, total: formatNumber(published.total, ctx.lang), failed: zero, blocked: zero }),
    );
    await conversation.external(() => attachProgress(db, published.broadcastId, { chatId: progress.chat.id, messageId: progress.message_id, language: ctx.lang }));
  }

  /** Loads a forum that may still change, or says why not. */
  async function changeable(conversation: Conv, ctx: Ctx, forumId: number) {
    const forum = await conversation.external({
      task: () => getForum(db, forumId),
      afterLoad: (f) => (f ? { ...f, startsAt: new Date(f.startsAt) } : f),
    });
    if (!forum) return void (await ctx.reply(ctx.t("forums.not_found", { id: forumId })));
    if (forum.status === "cancelled") return void (await ctx.reply(ctx.t("forums.already_cancelled", { id: forumId })));
    return forum;
  }

  async function editForumTime(conversation: Conv, ctx: Ctx, forumId: number) {
    const forum = await changeable(conversation, ctx, forumId);
    if (!forum) return;
    const t = ctx.t;
    const startsAt = await askStartTime(
      conversation,
      ctx,
      tz,
      t("forums.ask_new_time", { id: forumId, date: formatDate(forum.startsAt, ctx.lang, tz), time: formatTime(forum.startsAt, ctx.lang, tz) }),
    );
    const ok = await conversation.external(async () => {
      const current = await getForum(db, forumId);
      if (!current || current.status === "cancelled") return false;
      await changeForum(deps, forumId, { startsAt });
      return true;
    });
    if (!ok) return void (await ctx.reply(t("forums.already_cancelled", { id: forumId })));
    await ctx.reply(t("forums.moved", { id: forumId, date: formatDate(startsAt, ctx.lang, tz), time: formatTime(startsAt, ctx.lang, tz) }));
  }

  async function editForumVenue(conversation: Conv, ctx: Ctx, forumId: number) {
    const forum = await changeable(conversation, ctx, forumId);
    if (!forum) return;
    const t = ctx.t;
    const place = await askVenue(conversation, ctx, t("forums.ask_new_venue", { id: forumId, venue: forum.venue }));
    const ok = await conversation.external(async () => {
      const current = await getForum(db, forumId);
      if (!current || current.status === "cancelled") return false;
      await changeForum(deps, forumId, place);
      return true;
    });
    await ctx.reply(ok ? t("forums.venue_changed", { id: forumId }) : t("forums.already_cancelled", { id: forumId }));
  }

  async function forumAttendance(conversation: Conv, ctx: Ctx, forumId: number) {
    const t = ctx.t;
    const exists = await conversation.external(async () => !!(await getForum(db, forumId)));
    if (!exists) return void (await ctx.reply(t("forums.not_found", { id: forumId })));
    const askNumber = async (prompt: string, max?: number, tooBig?: string): Promise<number> => {
      await ctx.reply(prompt);
      for (;;) {
        const c = await waitText(conversation, t("forums.att_not_number"));
        const digits = fromKhmerDigits(c.message.text).replace(/[\s,.]/g, "");
        if (!/^\d{1,7}$/.test(digits)) {
          await c.reply(t("forums.att_not_number"));
          continue;
        }
        const n = Number(digits);
        if (max !== undefined && n > max) {
          await c.reply(tooBig!);
          continue;
        }
        return n;
      }
    };
    const total = await askNumber(t("forums.att_ask_total", { id: forumId }));
    const totalText = formatNumber(total, ctx.lang);
    const women = await askNumber(t("forums.att_ask_women", { total: totalText }), total, t("forums.att_women_above", { total: totalText }));

    await ctx.reply(t("forums.att_ask_communes"), { reply_markup: new InlineKeyboard().text(t("forums.skip_button"), "nf:skip") });
    let byCommune: Attendance["byCommune"];
    for (;;) {
      const c = await conversation.waitFor(["message:text", "callback_query:data"], { otherwise: (o) => o.reply(t("forums.att_ask_communes")) });
      if (c.callbackQuery) {
        await c.answerCallbackQuery();
        break;
      }
      const lines = c.message!.text.split("\n").map((l) => l.trim()).filter(Boolean);
      const rows: NonNullable<Attendance["byCommune"]> = [];
      let bad: string | undefined;
      for (const line of lines) {
        const m = /^(.+?)[\s,:]+(\d+)[\s,/]+(\d+)$/.exec(fromKhmerDigits(line));
        const found = m ? await conversation.external(() => searchAreas(db, m[1]!.trim(), 2)) : [];
        const commune = found.length === 1 || found[0]?.code === m?.[1]?.trim() ? found[0] : undefined;
        if (!m || !commune || commune.level !== "commune") {
          bad = line;
          break;
        }
        rows.push({ communeCode: commune.code, total: Number(m[2]), women: Number(m[3]) });
      }
      if (bad) {
        await c.reply(t("forums.att_communes_unreadable", { line: bad }));
        continue;
      }
      const problem = attendanceProblem({ total, women, byCommune: rows });
      if (problem) {
        await c.reply(problem === "communes_above_total" ? t("forums.att_communes_above", { total: totalText }) : t("forums.att_not_number"));
        continue;
      }
      byCommune = rows;
      break;
    }
    await conversation.external(() => recordAttendance(db, forumId, { total, women, byCommune }));
    await ctx.reply(t("forums.att_saved", { id: forumId, total: totalText, women: formatNumber(women, ctx.lang) }));
  }

  return { newForum, editForumTime, editForumVenue, forumAttendance };
}
