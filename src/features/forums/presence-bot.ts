/**
 * Presence at a forum, bot-facing. Check-in: /start f_<id>_<code> (the QR code's
 * link) marks the person present once; someone new is counted, then offered
 * the normal onboarding. Counting people without Telegram: /count <id> or
 * the staff view's button opens a counter; each +1 press records one person
 * (woman, man or not said, with Youth and Disability ticked first when they
 * apply), and "Undo" takes back the counter's latest press.
 *
 * Counter buttons: fc:<forum>:<flags>:<action>, flags a digit (1 = youth,
 * 2 = disability, 3 = both) carried by the keyboard itself, action y / d
 * (tick), f / m / o (+1 woman, man, not said) or u (undo).
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { User } from "../../db/schema/index.js";
import { formatDate, formatNumber, formatTime, translator, type Language, type Translate } from "../../i18n.js";
import type { FeatureDeps } from "../index.js";
import { ONBOARDING } from "../onboarding/flow.js";
import { communesOfVolunteer } from "../roles/roles.js";
import { hasRole } from "../users/users.js";
import { checkIn, countPerson, openForCounting, presenceAt, undoLastCount, type CountedPerson, type Presence, type PresenceSplit } from "./checkin.js";
import { forumAreaNames } from "./forums.js";
import { forumTitle } from "./messages.js";
import { CHECKIN_PAYLOAD } from "./qr.js";

const YOUTH = 1;
const DISABILITY = 2;

function splitLine(key: string, split: PresenceSplit, lang: Language): string {
  const n = (v: number) => formatNumber(v, lang);
  return translator(lang)(key, { total: n(split.total), women: n(split.women), men: n(split.men), youth: n(split.youth), disability: n(split.disability) });
}

/** The staff view's lines: checked in, counted, and everyone present (women in brackets). */
export function presenceLines(presence: Presence, lang: Language): string[] {
  const t = translator(lang);
  const n = (v: number) => formatNumber(v, lang);
  return [
    splitLine("forums.presence_checked_in", presence.checkedIn, lang),
    splitLine("forums.presence_counted", presence.counted, lang),
    t("forums.presence_total", { total: n(presence.checkedIn.total + presence.counted.total), women: n(presence.checkedIn.women + presence.counted.women) }),
  ];
}

function personLabel(person: CountedPerson, t: Translate): string {
  const parts = [t(person.sex === "female" ? "forums.who_woman" : person.sex === "male" ? "forums.who_man" : "forums.who_unsaid")];
  if (person.youth) parts.push(t("forums.who_youth"));
  if (person.disability) parts.push(t("forums.who_disability"));
  return parts.join(", ");
}

function counterScreen(forumId: number, title: string, counted: PresenceSplit, flags: number, lang: Language) {
  const t = translator(lang);
  const tick = (on: boolean, label: string) => `${on ? "☑️" : "⬜️"} ${label}`;
  const data = (action: string) => `fc:${forumId}:${flags}:${action}`;
  const keyboard = new InlineKeyboard()
    .text(tick((flags & YOUTH) !== 0, t("forums.counter_youth")), data("y"))
    .text(tick((flags & DISABILITY) !== 0, t("forums.counter_disability")), data("d"))
    .row()
    .text(t("forums.counter_woman"), data("f"))
    .text(t("forums.counter_man"), data("m"))
    .text(t("forums.counter_unsaid"), data("o"))
    .row()
    .text(t("forums.counter_undo"), data("u"));
  const text = [t("forums.counter_title", { id: forumId, title }), "", t("forums.counter_help"), "", splitLine("forums.counter_totals", counted, lang)].join("\n");
  return { text, keyboard };
}

export function presenceComposer(deps: FeatureDeps): Composer<MatiContext> {
  const { db, config } = deps;
  const tz = config.TIMEZONE;
  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");

  // ── Check-in by the forum's link ─────────────────────────────────────────
  privateChat.command("start", async (ctx, next) => {
    const m = CHECKIN_PAYLOAD.exec(ctx.match.trim());
    if (!m || !ctx.user) return next();
    const t = ctx.t;
    const result = await checkIn(db, { forumId: Number(m[1]), code: m[2] ?? "" }, ctx.user.id, tz);
    if (!result.ok) {
      const title = result.forum ? forumTitle(result.forum, ctx.lang) : "";
      if (result.reason === "too_early") {
        await ctx.reply(t("forums.checkin_too_early", { title, date: formatDate(result.window!.opensAt, ctx.lang, tz), time: formatTime(result.window!.opensAt, ctx.lang, tz) }));
      } else if (result.reason === "closed") {
        await ctx.reply(t("forums.checkin_closed", { title, date: formatDate(result.forum!.startsAt, ctx.lang, tz) }));
      } else {
        await ctx.reply(t(result.reason === "cancelled" ? "forums.checkin_cancelled" : "forums.checkin_unknown", { title }));
      }
      if (!ctx.user.onboardedAt) await ctx.conversation.enter(ONBOARDING, {});
      return;
    }
    const title = forumTitle(result.forum, ctx.lang);
    await ctx.reply(t(result.already ? "forums.checkin_again" : "forums.checkin_done", { title }));
    if (!ctx.user.onboardedAt) {
      // Someone new: counted already; now the usual first steps, with the forum's commune offered when it has one.
      const areas = await forumAreaNames(db, result.forum.id);
      const commune = areas.length === 1 && areas[0]!.code.length === 6 ? areas[0]!.code : undefined;
      await ctx.reply(t("forums.checkin_welcome_new"));
      await ctx.conversation.enter(ONBOARDING, commune ? { linkedCommune: commune } : {});
    }
  });

  // ── Counting people without Telegram ─────────────────────────────────────

  /** Staff anywhere; volunteers at forums for (or inside) their communes. */
  async function mayCount(user: User | undefined, forumId: number): Promise<boolean> {
    if (hasRole(user, "staff")) return true;
    if (!user || !hasRole(user, "volunteer")) return false;
    const mine = await communesOfVolunteer(db, user.id);
    const areas = await forumAreaNames(db, forumId);
    return areas.some((a) => mine.some((c) => c.startsWith(a.code) || a.code.startsWith(c)));
  }

  async function refusal(ctx: MatiContext, forumId: number): Promise<string | undefined> {
    const open = await openForCounting(db, forumId, tz, new Date(), "counting");
    if (!open.ok) {
      if (open.reason === "too_early") return ctx.t("forums.count_too_early", { date: formatDate(open.window!.opensAt, ctx.lang, tz), time: formatTime(open.window!.opensAt, ctx.lang, tz) });
      if (open.reason === "closed") return ctx.t("forums.count_closed");
      return ctx.t(open.reason === "cancelled" ? "forums.rsvp_closed_cancelled" : "forums.rsvp_unknown");
    }
    if (!(await mayCount(ctx.user, forumId))) return ctx.t("forums.count_not_allowed");
    return undefined;
  }

  async function openCounter(ctx: MatiContext, forumId: number) {
    const refused = await refusal(ctx, forumId);
    if (refused) return void (await ctx.reply(refused));
    const open = await openForCounting(db, forumId, tz, new Date(), "counting");
    if (!open.ok) return;
    const screen = counterScreen(forumId, forumTitle(open.forum, ctx.lang), (await presenceAt(db, forumId)).counted, 0, ctx.lang);
    await ctx.reply(screen.text, { reply_markup: screen.keyboard });
  }

  privateChat.command("count", async (ctx) => {
    if (!hasRole(ctx.user, "volunteer")) return void (await ctx.reply(ctx.t("forums.count_not_allowed")));
    const m = /^\s*#?(\d{1,9})\s*$/.exec(ctx.match);
    if (!m) return void (await ctx.reply(ctx.t("forums.usage_count")));
    await openCounter(ctx, Number(m[1]));
  });

  privateChat.callbackQuery(/^f:cnt:(\d{1,9})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await openCounter(ctx, Number(ctx.match[1]));
  });

  privateChat.callbackQuery(/^fc:(\d{1,9}):([0-3]):([ydfmou])$/, async (ctx) => {
    const forumId = Number(ctx.match[1]);
    let flags = Number(ctx.match[2]);
    const action = ctx.match[3]!;
    const refused = await refusal(ctx, forumId);
    if (refused) return void (await ctx.answerCallbackQuery({ text: refused, show_alert: true }));
    const t = ctx.t;
    let toast: string;
    if (action === "y" || action === "d") {
      flags ^= action === "y" ? YOUTH : DISABILITY;
      toast = "";
    } else if (action === "u") {
      const undone = await undoLastCount(db, forumId, ctx.user!.id);
      toast = undone ? t("forums.undone_toast", { who: personLabel(undone, t) }) : t("forums.nothing_to_undo");
    } else {
      const person: CountedPerson = { sex: action === "f" ? "female" : action === "m" ? "male" : null, youth: (flags & YOUTH) !== 0, disability: (flags & DISABILITY) !== 0 };
      await countPerson(db, forumId, ctx.user!.id, person);
      flags = 0; // ticks apply to one person
      const total = (await presenceAt(db, forumId)).counted.total;
      toast = t("forums.counted_toast", { who: personLabel(person, t), total: formatNumber(total, ctx.lang) });
    }
    await ctx.answerCallbackQuery(toast ? { text: toast } : {});
    const open = await openForCounting(db, forumId, tz, new Date(), "counting");
    if (!open.ok) return;
    const screen = counterScreen(forumId, forumTitle(open.forum, ctx.lang), (await presenceAt(db, forumId)).counted, flags, ctx.lang);
    await ctx.editMessageText(screen.text, { reply_markup: screen.keyboard }).catch(() => {});
  });

  return composer;
}
