/**
 * The citizen's side in a private chat: /complain and /mycomplaints, the
 * main-menu entries, a complaint's history, and the buttons that answer the
 * council, add information, confirm or reopen a resolution.
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import type { Complaint } from "../../db/schema/index.js";
import { formatDate, type Language, type Translate } from "../../i18n.js";
import type { Queues } from "../../queue/queues.js";
import { findAreas } from "../areas/areas.js";
import { communeAndDistrict, complaintById, complaintHistory, complaintsOf } from "./complaints.js";
import { enqueueTellCouncil } from "./jobs.js";
import { canDo, finished, followUpOpen, recordStillFixed, transitionComplaint } from "./lifecycle.js";
import { age, complaintFields, historyLine, statusLabel } from "./render.js";

export function citizenComposer(deps: { db: Database; queues: Queues; timeZone: string }): Composer<MatiContext> {
  const { db, queues, timeZone } = deps;
  const composer = new Composer<MatiContext>();
  const dm = composer.chatType("private");

  const startComplaint = async (ctx: MatiContext) => {
    await ctx.conversation.enter("complain");
  };
  dm.command("complain", startComplaint);
  dm.callbackQuery("menu:complain", async (ctx) => {
    await ctx.answerCallbackQuery();
    await startComplaint(ctx);
  });

  const showList = async (ctx: MatiContext) => {
    if (!ctx.user) return;
    const mine = await complaintsOf(db, ctx.user.id);
    if (mine.length === 0) {
      await ctx.reply(ctx.t("complaints.mine_empty"));
      return;
    }
    const kb = new InlineKeyboard();
    const now = new Date();
    for (const c of mine) {
      kb.text(`${c.reference} · ${statusLabel(c.status, ctx.t)} · ${age(c.createdAt, now, ctx.t)}`, `mc:v:${c.id}`).row();
    }
    await ctx.reply(ctx.t("complaints.mine_title"), { reply_markup: kb });
  };
  dm.command("mycomplaints", showList);
  dm.callbackQuery(["menu:mycomplaints", "mc:list"], async (ctx) => {
    await ctx.answerCallbackQuery();
    await showList(ctx);
  });

  /** The citizen's own complaint, or a polite "not found" (forged or someone else's id). */
  const own = async (ctx: MatiContext, id: number): Promise<Complaint | undefined> => {
    const c = ctx.user ? await complaintById(db, id) : undefined;
    if (c && c.userId === ctx.user!.id) return c;
    await ctx.answerCallbackQuery({ text: ctx.t("complaints.not_found") });
    return undefined;
  };

  dm.callbackQuery(/^mc:(v|add|ans|ok|re):(\d{1,9})$/, async (ctx) => {
    const [, action, rawId] = ctx.match;
    const complaint = await own(ctx, Number(rawId));
    if (!complaint) return;
    switch (action) {
      case "v": {
        await ctx.answerCallbackQuery();
        const { text, keyboard } = await complaintDetail(db, complaint, ctx.lang, ctx.t, timeZone);
        await ctx.reply(text, { reply_markup: keyboard });
        return;
      }
      case "add":
      case "ans":
        if (finished.includes(complaint.status)) return refuse(ctx, complaint);
        await ctx.answerCallbackQuery();
        await ctx.conversation.enter("complaint-note", complaint.id, action === "ans" ? "answer" : "info");
        return;
      case "re":
        if (!canDo("reopen", complaint.status)) return refuse(ctx, complaint);
        await ctx.answerCallbackQuery();
        await ctx.editMessageReplyMarkup().catch(() => {});
        await ctx.conversation.enter("complaint-note", complaint.id, "reopen");
        return;
      case "ok": {
        const done = await transitionComplaint(db, { complaintId: complaint.id, action: "confirm", actor: { kind: "citizen", userId: ctx.user!.id } });
        if (!done.ok) return refuse(ctx, done.complaint ?? complaint);
        await enqueueTellCouncil(queues, done.event.id);
        await ctx.answerCallbackQuery();
        await ctx.editMessageReplyMarkup().catch(() => {});
        await ctx.reply(ctx.t("complaints.closed_thanks", { reference: complaint.reference }));
        return;
      }
    }
  });

  // The follow-up question, 4 weeks after a resolution: still fixed, or the problem is back.
  dm.callbackQuery(/^fu:(y|n):(\d{1,9})$/, async (ctx) => {
    const [, answer, rawId] = ctx.match;
    const complaint = await own(ctx, Number(rawId));
    if (!complaint) return;
    if (complaint.followUpAnsweredAt) return ctx.answerCallbackQuery({ text: ctx.t("complaints.follow_up_already") });
    if (!complaint.followUpAskedAt) return ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
    if (!followUpOpen(complaint)) return refuse(ctx, complaint);
    if (answer === "n") {
      await ctx.answerCallbackQuery();
      await ctx.editMessageReplyMarkup().catch(() => {});
      await ctx.conversation.enter("complaint-note", complaint.id, "follow_up");
      return;
    }
    const done = await recordStillFixed(db, { complaintId: complaint.id, actor: { kind: "citizen", userId: ctx.user!.id } });
    if (!done.ok) {
      if (done.reason === "already_answered") return ctx.answerCallbackQuery({ text: ctx.t("complaints.follow_up_already") });
      return refuse(ctx, done.complaint ?? complaint);
    }
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup().catch(() => {});
    await ctx.reply(ctx.t("complaints.follow_up_thanks", { reference: complaint.reference }));
  });

  return composer;
}

async function refuse(ctx: MatiContext, complaint: Complaint): Promise<void> {
  await ctx.answerCallbackQuery({ text: ctx.t("complaints.refused_not_allowed", { status: statusLabel(complaint.status, ctx.t) }) });
}

/** A complaint as its author sees it: what was sent, where it stands, everything that happened. */
export async function complaintDetail(db: Database, c: Complaint, lang: Language, t: Translate, timeZone: string) {
  const place = await communeAndDistrict(db, c.communeCode);
  const events = await complaintHistory(db, c.id);
  const codes = [...new Set(events.map((e) => e.councilAreaCode).filter((x): x is string => !!x))];
  const councilAreas = await findAreas(db, codes);
  const lines = [
    `📣 ${c.reference} — ${statusLabel(c.status, t)}`,
    ...complaintFields(c, place, lang, t),
    t("complaints.field_identity", { value: c.anonymous ? t("complaints.anonymous") : (c.reporterName ?? "") }),
    t("complaints.field_filed", { value: `${formatDate(c.createdAt, lang, timeZone)} (${age(c.createdAt, new Date(), t)})` }),
    "",
    c.description,
    "",
    t("complaints.history"),
    ...events.map((e) => historyLine(e, councilAreas, lang, t, timeZone)),
  ];
  const keyboard = new InlineKeyboard();
  if (followUpOpen(c)) keyboard.text(t("complaints.button_still_fixed"), `fu:y:${c.id}`).text(t("complaints.button_broken_again"), `fu:n:${c.id}`).row();
  else if (canDo("confirm", c.status)) keyboard.text(t("complaints.button_solved"), `mc:ok:${c.id}`).text(t("complaints.button_not_solved"), `mc:re:${c.id}`).row();
  if (!finished.includes(c.status)) keyboard.text(t("complaints.button_add_info"), `mc:add:${c.id}`).row();
  keyboard.text(t("complaints.button_back_list"), "mc:list");
  return { text: lines.join("\n").slice(0, 4000), keyboard };
}
