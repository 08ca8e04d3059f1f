/**
 * The council's side in its linked group: the buttons on a complaint's
 * message and the replies members write to the bot's prompts (a question for
 * the citizen, the reason for "not our responsibility"). Every press is
 * checked: this group must be the complaint's council's, the presser a member
 * of it, the move allowed by the state machine.
 */
import { Composer } from "grammy";
import type { Redis } from "ioredis";
import type { MatiContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import type { Complaint, Council } from "../../db/schema/index.js";
import type { Queues } from "../../queue/queues.js";
import { findArea } from "../areas/areas.js";
import { councilByGroup } from "../councils/councils.js";
import { isGroupMember } from "../councils/membership.js";
import { complaintById } from "./complaints.js";
import { cancelOverdueCheck, councilView, enqueueDelivery, enqueueTellCitizen, idPart, scheduleFollowUp } from "./jobs.js";
import { addComplaintNote, canDo, finished, transitionComplaint, type CouncilAction, type CouncilActor, type Refusal } from "./lifecycle.js";
import { councilKeyboard, councilMessage, markupOrNone, notOursKeyboard, statusLabel } from "./render.js";

const PROMPT_TTL_SECONDS = 2 * 86_400;
type PromptAction = "ask" | "reject" | "forward";
interface Prompt {
  complaintId: number;
  action: PromptAction;
  memberId: number;
  memberName: string;
}

const buttonActions: Record<string, CouncilAction> = { ack: "acknowledge", prog: "start", res: "resolve" };

export function councilComposer(deps: { db: Database; redis: Redis; queues: Queues; redisPrefix: string; timeZone: string }): Composer<MatiContext> {
  const { db, redis, queues, timeZone } = deps;
  const composer = new Composer<MatiContext>();
  const groups = composer.chatType(["group", "supergroup"]);
  const promptKey = (chatId: number, messageId: number) => `${deps.redisPrefix}:council-prompt:${idPart(chatId)}:${messageId}`;

  /** Shows the complaint's current state on its message in this group. */
  const refreshMessage = async (ctx: MatiContext, complaint: Complaint, messageId: number) => {
    const view = await councilView(db, complaint);
    const here = complaint.groupChatId === ctx.chat!.id;
    await ctx.api
      .editMessageText(ctx.chat!.id, messageId, councilMessage(view, ctx.lang, ctx.t, timeZone), here ? markupOrNone(councilKeyboard(complaint, ctx.t)) : {})
      .catch(() => {});
  };

  const refusalText = (ctx: MatiContext, reason: Refusal, complaint?: Complaint) =>
    reason === "not_allowed" && complaint
      ? ctx.t("complaints.g_refuse_not_allowed", { status: statusLabel(complaint.status, ctx.t) })
      : reason === "no_forward_target"
        ? ctx.t("complaints.g_refuse_no_forward")
        : ctx.t("complaints.g_refuse_not_yours");

  /** After a council's move: citizen told (through the queue), reminder dropped once answered, a resolution followed up. */
  const afterMove = async (before: Complaint, after: Complaint, eventId: number) => {
    await enqueueTellCitizen(queues, eventId);
    if (before.status === "new") await cancelOverdueCheck(queues, after.id);
    if (after.status === "resolved") await scheduleFollowUp(queues, after.id);
    if (after.status === "forwarded") await enqueueDelivery(queues, after.id, `fwd-${eventId}`);
  };

  groups.callbackQuery(/^c:(ack|prog|res|not|rej|fwd|back|ask):(\d{1,9})$/, async (ctx) => {
    const [, button, rawId] = ctx.match;
    const chatId = ctx.chat.id;
    const council = await councilByGroup(db, chatId);
    const complaint = await complaintById(db, Number(rawId));
    if (!council || !complaint || complaint.councilAreaCode !== council.areaCode || complaint.groupChatId !== chatId) {
      return ctx.answerCallbackQuery({ text: ctx.t("complaints.g_refuse_not_yours") });
    }
    if (!(await isGroupMember(ctx.api, chatId, ctx.from.id))) {
      return ctx.answerCallbackQuery({ text: ctx.t("complaints.g_refuse_not_member") });
    }
    const messageId = complaint.groupMessageId!;
    const actor: CouncilActor = { kind: "council", councilAreaCode: council.areaCode, groupChatId: chatId, telegramId: ctx.from.id, name: ctx.from.first_name };

    const action = buttonActions[button!];
    if (action) {
      const done = await transitionComplaint(db, { complaintId: complaint.id, action, actor });
      if (!done.ok) return ctx.answerCallbackQuery({ text: refusalText(ctx, done.reason, done.complaint) });
      await ctx.answerCallbackQuery({ text: ctx.t("complaints.g_ok_toast", { status: statusLabel(done.complaint.status, ctx.t) }) });
      await refreshMessage(ctx, done.complaint, messageId);
      await afterMove(done.before, done.complaint, done.event.id);
      return;
    }
    const canForward = (await findArea(db, council.areaCode))?.level === "commune";
    switch (button) {
      case "not":
        if (!canDo("reject", complaint.status)) return ctx.answerCallbackQuery({ text: refusalText(ctx, "not_allowed", complaint) });
        await ctx.answerCallbackQuery();
        await ctx.api.editMessageReplyMarkup(chatId, messageId, { reply_markup: notOursKeyboard(complaint, canForward, ctx.t) }).catch(() => {});
        return;
      case "back":
        await ctx.answerCallbackQuery();
        await ctx.api.editMessageReplyMarkup(chatId, messageId, { reply_markup: councilKeyboard(complaint, ctx.t) }).catch(() => {});
        return;
      default: {
        const promptAction: PromptAction = button === "ask" ? "ask" : button === "rej" ? "reject" : "forward";
        const allowed =
          promptAction === "ask" ? !finished.includes(complaint.status)
          : promptAction === "reject" ? canDo("reject", complaint.status)
          : canForward && canDo("forward", complaint.status);
        if (!allowed) {
          return ctx.answerCallbackQuery({ text: refusalText(ctx, promptAction === "forward" && !canForward ? "no_forward_target" : "not_allowed", complaint) });
        }
        await ctx.answerCallbackQuery();
        const key = promptAction === "ask" ? "complaints.g_prompt_question" : promptAction === "reject" ? "complaints.g_prompt_reject" : "complaints.g_prompt_forward";
        const prompt = await ctx.api.sendMessage(chatId, ctx.t(key, { name: ctx.from.first_name, reference: complaint.reference }), {
          reply_parameters: { message_id: messageId, allow_sending_without_reply: true },
          reply_markup: { force_reply: true, input_field_placeholder: ctx.t("complaints.g_prompt_placeholder") },
        });
        const stored: Prompt = { complaintId: complaint.id, action: promptAction, memberId: ctx.from.id, memberName: ctx.from.first_name };
        await redis.set(promptKey(chatId, prompt.message_id), JSON.stringify(stored), "EX", PROMPT_TTL_SECONDS);
      }
    }
  });

  // A member's reply to one of the bot's prompts (privacy mode lets the bot see replies to its own messages).
  groups.on("message").filter((ctx) => ctx.message.reply_to_message?.from?.id === ctx.me.id, async (ctx, next) => {
    const chatId = ctx.chat.id;
    const key = promptKey(chatId, ctx.message.reply_to_message!.message_id);
    const raw = await redis.get(key);
    if (!raw) return next();
    const prompt = JSON.parse(raw) as Prompt;
    const replyHere = { reply_parameters: { message_id: ctx.message.message_id } };
    if (ctx.from.id !== prompt.memberId) {
      await ctx.reply(ctx.t("complaints.g_prompt_other_member", { name: prompt.memberName }), replyHere);
      return;
    }
    const text = ctx.message.text?.trim();
    if (!text || text.startsWith("/")) {
      await ctx.reply(ctx.t("complaints.g_prompt_text_only"), replyHere);
      return;
    }
    const council: Council | undefined = await councilByGroup(db, chatId);
    if (!council || !(await isGroupMember(ctx.api, chatId, ctx.from.id))) {
      await ctx.reply(ctx.t("complaints.g_refuse_not_member"), replyHere);
      return;
    }
    const actor: CouncilActor = { kind: "council", councilAreaCode: council.areaCode, groupChatId: chatId, telegramId: ctx.from.id, name: ctx.from.first_name };
    if (prompt.action === "ask") {
      const done = await addComplaintNote(db, { complaintId: prompt.complaintId, kind: "question", actor, text });
      if (!done.ok) {
        await ctx.reply(refusalText(ctx, done.reason, done.complaint), replyHere);
        return;
      }
      await redis.del(key);
      await enqueueTellCitizen(queues, done.event.id);
      await ctx.reply(ctx.t("complaints.g_question_sent", { reference: done.complaint.reference }), replyHere);
      return;
    }
    const done = await transitionComplaint(db, { complaintId: prompt.complaintId, action: prompt.action, actor, note: text });
    if (!done.ok) {
      await ctx.reply(refusalText(ctx, done.reason, done.complaint), replyHere);
      return;
    }
    await redis.del(key);
    await refreshMessage(ctx, done.complaint, done.before.groupMessageId!);
    await afterMove(done.before, done.complaint, done.event.id);
    await ctx.reply(ctx.t("complaints.g_done", { reference: done.complaint.reference, status: statusLabel(done.complaint.status, ctx.t) }), replyHere);
  });

  return composer;
}
