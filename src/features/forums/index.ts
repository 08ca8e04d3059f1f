/**
 * Forums, bot-facing: /newforum, /forum <id>, /editforum <id> (staff);
 * /forums and the main-menu entry (citizens); RSVP buttons f:rsvp:<id>:<y|m|n>;
 * staff buttons f:edit:<id>:time|venue, f:att:<id>, f:cancel:<id>[:y|:n],
 * f:qr:<id> (the check-in QR code), f:cnt:<id> (the +1 counter).
 * Check-in: /start f_<id>_<code>. Counting people without Telegram: /count <id>
 * (staff and the forum's volunteers), buttons fc:<id>:<flags>:<action>.
 */
import { Composer, InlineKeyboard, InputFile } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { RsvpAnswer } from "../../db/schema/index.js";
import { formatNumber, translator, type Language } from "../../i18n.js";
import { broadcastSummary } from "../broadcast/engine.js";
import { commitmentCountsOfForum } from "../commitments/commitments.js";
import type { FeatureDeps } from "../index.js";
import { hasRole } from "../users/users.js";
import { forumConversations } from "./conversations.js";
import { detachCheckinsFrom, presenceAt } from "./checkin.js";
import { presenceComposer, presenceLines } from "./presence-bot.js";
import { checkinLink, checkinQrPng } from "./qr.js";
import {
  announcementOf,
  attendanceByCommune,
  cancelForum,
  forumAreaNames,
  getForum,
  recordRsvp,
  rsvpCounts,
  upcomingForumsFor,
} from "./forums.js";
import { answerFromCode, countsLine, describeForum, forumTitle, rsvpKeyboard } from "./messages.js";
import { describeOffset } from "./time.js";

export function forumsFeature(deps: FeatureDeps): Feature {
  const { db, config } = deps;
  const tz = config.TIMEZONE;
  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");

  const isStaff = (ctx: MatiContext) => hasRole(ctx.user, "staff");
  const forumIdArg = (text: string) => {
    const m = /^\s*#?(\d{1,9})\s*$/.exec(text);
    return m ? Number(m[1]) : undefined;
  };

  // ── Citizens ─────────────────────────────────────────────────────────────

  async function showUpcoming(ctx: MatiContext) {
    const t = ctx.t;
    if (!ctx.user?.communeCode) return void (await ctx.reply(t("forums.list_no_commune")));
    const upcoming = await upcomingForumsFor(db, ctx.user);
    if (upcoming.length === 0) return void (await ctx.reply(t("forums.list_none")));
    await ctx.reply(t("forums.list_heading"));
    for (const { forum, answer } of upcoming) {
      const areas = await forumAreaNames(db, forum.id);
      const status = answer ? t("forums.your_answer", { answer: t(`forums.rsvp_${answer}`) }) : t("forums.no_answer_yet");
      await ctx.reply(`${describeForum(forum, areas, ctx.lang, tz)}\n\n${status}`, {
        reply_markup: rsvpKeyboard(forum.id, ctx.lang, answer),
        link_preview_options: { is_disabled: true },
      });
    }
  }

  privateChat.command("forums", showUpcoming);
  privateChat.callbackQuery("menu:forums", async (ctx) => {
    await ctx.answerCallbackQuery();
    await showUpcoming(ctx);
  });

  // An RSVP button: on an announcement, a reminder, an update or /forums.
  composer.callbackQuery(/^f:rsvp:(\d{1,9}):([ymn])$/, async (ctx) => {
    const t = ctx.t;
    if (!ctx.user) return void (await ctx.answerCallbackQuery({ text: t("common.button_expired") }));
    const forumId = Number(ctx.match[1]);
    const answer = answerFromCode[ctx.match[2]!] as RsvpAnswer;
    const result = await recordRsvp(db, forumId, ctx.user.id, answer);
    if (!result.ok) {
      const key = result.reason === "started" ? "forums.rsvp_closed_started" : result.reason === "cancelled" ? "forums.rsvp_closed_cancelled" : "forums.rsvp_unknown";
      return void (await ctx.answerCallbackQuery({ text: t(key), show_alert: result.reason !== "missing" }));
    }
    await ctx.answerCallbackQuery({ text: t(`forums.rsvp_saved_${answer}`) });
    // Mark the answer on the message pressed (unchanged markup is not an error worth reporting).
    await ctx.editMessageReplyMarkup({ reply_markup: rsvpKeyboard(forumId, ctx.lang, answer) }).catch(() => {});
  });

  // ── Staff ────────────────────────────────────────────────────────────────

  async function refuse(ctx: MatiContext) {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("forums.staff_only") });
    else await ctx.reply(ctx.t("forums.staff_only"));
  }

  privateChat.command("newforum", async (ctx) => {
    if (!isStaff(ctx)) return refuse(ctx);
    await ctx.conversation.enter("newForum");
  });

  async function forumDetails(forumId: number, lang: Language): Promise<{ text: string; keyboard?: InlineKeyboard } | undefined> {
    const forum = await getForum(db, forumId);
    if (!forum) return undefined;
    const t = translator(lang);
    const n = (v: number) => formatNumber(v, lang);
    const lines = [t("forums.detail_heading", { id: forum.id, status: t(`forums.status_${forum.status}`) }), "", describeForum(forum, await forumAreaNames(db, forum.id), lang, tz), ""];
    lines.push(countsLine(await rsvpCounts(db, forum.id), lang));
    const announcement = await announcementOf(db, forum.id);
    const summary = announcement ? await broadcastSummary(db, announcement.id) : undefined;
    if (summary) lines.push(t("forums.detail_delivery", { sent: n(summary.sent), total: n(summary.total), failed: n(summary.failed), blocked: n(summary.blocked) }));
    lines.push(t("forums.detail_reminders", { reminders: forum.reminderOffsets.map((o) => describeOffset(o, lang)).join(", ") }));
    if (forum.attendanceTotal !== null) {
      lines.push(t("forums.attendance_line", { total: n(forum.attendanceTotal), women: n(forum.attendanceWomen ?? 0) }));
      for (const c of await attendanceByCommune(db, forum.id)) {
        lines.push(`  ${t("forums.attendance_commune_line", { name: lang === "km" ? c.nameKm : c.nameEn, total: n(c.total), women: n(c.women) })}`);
      }
    } else lines.push(t("forums.attendance_none"));
    lines.push(...presenceLines(await presenceAt(db, forum.id), lang));
    const commitments = await commitmentCountsOfForum(db, forum.id);
    lines.push(
      commitments.total === 0
        ? t("forums.commitments_none")
        : t("forums.commitments_line", { total: n(commitments.total), done: n(commitments.done), started: n(commitments.started), planned: n(commitments.planned) }),
    );
    const keyboard = new InlineKeyboard();
    if (forum.status !== "cancelled") {
      keyboard.text(t("forums.edit_time_button"), `f:edit:${forum.id}:time`).text(t("forums.edit_venue_button"), `f:edit:${forum.id}:venue`).row();
    }
    keyboard.text(t("forums.attendance_button"), `f:att:${forum.id}`);
    if (forum.status !== "cancelled") keyboard.text(t("forums.cancel_forum_button"), `f:cancel:${forum.id}`);
    if (forum.status === "published") keyboard.row().text(t("forums.qr_button"), `f:qr:${forum.id}`).text(t("forums.count_button"), `f:cnt:${forum.id}`);
    // The commitments feature answers these two (its conversation and list).
    keyboard.row();
    if (forum.status !== "cancelled") keyboard.text(t("forums.commit_button"), `cmr:new:${forum.id}`);
    if (commitments.total > 0) keyboard.text(t("forums.commitments_button"), `cml:${forum.id}`);
    return { text: lines.join("\n"), keyboard };
  }

  for (const command of ["forum", "editforum"]) {
    privateChat.command(command, async (ctx) => {
      if (!isStaff(ctx)) return refuse(ctx);
      const forumId = forumIdArg(ctx.match);
      if (forumId === undefined) return void (await ctx.reply(ctx.t("forums.usage_forum")));
      const details = await forumDetails(forumId, ctx.lang);
      if (!details) return void (await ctx.reply(ctx.t("forums.not_found", { id: forumId })));
      await ctx.reply(details.text, { reply_markup: details.keyboard, link_preview_options: { is_disabled: true } });
    });
  }

  privateChat.callbackQuery(/^f:edit:(\d{1,9}):(time|venue)$/, async (ctx) => {
    if (!isStaff(ctx)) return refuse(ctx);
    await ctx.answerCallbackQuery();
    const forumId = Number(ctx.match[1]);
    await ctx.conversation.enter(ctx.match[2] === "time" ? "editForumTime" : "editForumVenue", forumId);
  });

  // The check-in QR code, as a photo with the link in its caption.
  privateChat.callbackQuery(/^f:qr:(\d{1,9})$/, async (ctx) => {
    if (!isStaff(ctx)) return refuse(ctx);
    const forum = await getForum(db, Number(ctx.match[1]));
    if (!forum || forum.status !== "published") return void (await ctx.answerCallbackQuery({ text: ctx.t("forums.rsvp_unknown") }));
    await ctx.answerCallbackQuery();
    const link = checkinLink(ctx.me.username, forum);
    await ctx.replyWithPhoto(new InputFile(await checkinQrPng(link), `forum-${forum.id}-checkin.png`), {
      caption: ctx.t("forums.qr_caption", { id: forum.id, title: forumTitle(forum, ctx.lang), link }),
    });
  });

  privateChat.callbackQuery(/^f:att:(\d{1,9})$/, async (ctx) => {
    if (!isStaff(ctx)) return refuse(ctx);
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter("forumAttendance", Number(ctx.match[1]));
  });

  privateChat.callbackQuery(/^f:cancel:(\d{1,9})$/, async (ctx) => {
    if (!isStaff(ctx)) return refuse(ctx);
    await ctx.answerCallbackQuery();
    const id = Number(ctx.match[1]);
    await ctx.reply(ctx.t("forums.confirm_cancel", { id }), {
      reply_markup: new InlineKeyboard().text(ctx.t("forums.confirm_cancel_yes"), `f:cancel:${id}:y`).text(ctx.t("forums.keep_forum"), `f:cancel:${id}:n`),
    });
  });

  privateChat.callbackQuery(/^f:cancel:(\d{1,9}):([yn])$/, async (ctx) => {
    if (!isStaff(ctx)) return refuse(ctx);
    await ctx.answerCallbackQuery();
    const id = Number(ctx.match[1]);
    await ctx.editMessageReplyMarkup().catch(() => {});
    if (ctx.match[2] === "n") return void (await ctx.reply(ctx.t("forums.kept")));
    const cancelled = await cancelForum(deps, id);
    if (!cancelled) {
      const exists = await getForum(db, id);
      return void (await ctx.reply(exists ? ctx.t("forums.already_cancelled", { id }) : ctx.t("forums.not_found", { id })));
    }
    await ctx.reply(ctx.t("forums.cancelled_done", { id }));
  });

  composer.use(presenceComposer(deps));

  const conversations = forumConversations(deps);
  return {
    name: "forums",
    onForget: detachCheckinsFrom,
    conversations: {
      newForum: conversations.newForum,
      editForumTime: conversations.editForumTime as never,
      editForumVenue: conversations.editForumVenue as never,
      forumAttendance: conversations.forumAttendance as never,
    },
    composer,
    commands: [
      { command: "forums", descriptionKey: "forums.cmd_forums", scope: "private" },
      { command: "newforum", descriptionKey: "forums.cmd_newforum", scope: "private", minRole: "staff" },
      { command: "forum", descriptionKey: "forums.cmd_forum", scope: "private", minRole: "staff" },
      { command: "editforum", descriptionKey: "forums.cmd_editforum", scope: "private", minRole: "staff" },
      { command: "count", descriptionKey: "forums.cmd_count", scope: "private", minRole: "volunteer" },
    ],
    mainMenu: [{ labelKey: "forums.menu", callbackData: "menu:forums", order: 40 }],
  };
}
