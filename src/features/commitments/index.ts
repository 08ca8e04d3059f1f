/**
 * Commitments (the action plan), bot-facing.
 *
 * Staff (private chat): /commit [forum] or a forum view's "Record a
 * commitment" (cmr:new:<forum>); /commitments <forum> or cml:<forum> lists a
 * forum's; /commitment CM-42-1 shows one, with a new due date (cmd:due:<id>).
 * Council groups: /commit (administrators) records one there; /commitments
 * lists the council's; members move them along with cmp:st|dn|ph:<id>
 * (Started · Done · add a photo: a reply to the bot's prompt with a photo).
 * Citizens: cmv:<id>:<y|p|n> answers "Has this really happened?".
 *
 * Every group press is checked as complaints are: the group must be the
 * commitment's council's, the presser a member, the move allowed.
 */
import { Composer, InlineKeyboard, type Api } from "grammy";
import type { PhotoSize } from "grammy/types";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { Council } from "../../db/schema/index.js";
import { translator } from "../../i18n.js";
import type { JobHandler } from "../../queue/workers.js";
import { idPart } from "../complaints/jobs.js";
import { findArea } from "../areas/areas.js";
import { councilByGroup, councilName } from "../councils/councils.js";
import { isGroupAdmin, isGroupMember } from "../councils/membership.js";
import type { FeatureDeps } from "../index.js";
import { hasRole } from "../users/users.js";
import {
  addEvidence,
  commitmentById,
  commitmentByReference,
  commitmentsOfCouncil,
  commitmentsOfForum,
  detachCommitmentsFrom,
  moveCommitment,
  recordVerification,
  type CommitmentActor,
} from "./commitments.js";
import { CHANGE_COMMITMENT_DUE, commitmentConversations, RECORD_COMMITMENT } from "./conversation.js";
import { commitmentJobHandlers, enqueueDone, refreshAtMilestone } from "./jobs.js";
import { commitmentView, councilKeyboard, councilMessage, listLine, staffDetail, statusText, verificationCode, verificationKeyboard } from "./render.js";

export { postWaitingCommitments } from "./jobs.js";
export { commitmentDigestSections } from "./digest.js";
export { commitmentCountsForCommune } from "./commitments.js";

const PROMPT_TTL_SECONDS = 2 * 86_400;
interface PhotoPrompt {
  commitmentId: number;
  memberId: number;
  memberName: string;
}

export function commitmentsFeature(deps: FeatureDeps): Feature {
  const { db, redis, config } = deps;
  const tz = config.TIMEZONE;
  const composer = new Composer<MatiContext>();
  const dm = composer.chatType("private");
  const groups = composer.chatType(["group", "supergroup"]);
  const promptKey = (chatId: number, messageId: number) => `${config.REDIS_PREFIX}:commitment-prompt:${idPart(chatId)}:${messageId}`;
  const isStaff = (ctx: MatiContext) => hasRole(ctx.user, "staff");
  const staffOnly = async (ctx: MatiContext) => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("forums.staff_only") });
    else await ctx.reply(ctx.t("forums.staff_only"));
  };

  // ── Staff ────────────────────────────────────────────────────────────────
  dm.command("commit", async (ctx) => {
    if (!isStaff(ctx)) return staffOnly(ctx);
    const m = /^\s*#?(\d{1,9})?\s*$/.exec(ctx.match);
    if (!m) return void (await ctx.reply(ctx.t("commitments.usage_commit")));
    await ctx.conversation.enter(RECORD_COMMITMENT, m[1] ? { forumId: Number(m[1]) } : {});
  });

  dm.callbackQuery(/^cmr:new:(\d{1,9})$/, async (ctx) => {
    if (!isStaff(ctx)) return staffOnly(ctx);
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(RECORD_COMMITMENT, { forumId: Number(ctx.match[1]) });
  });

  async function listForum(ctx: MatiContext, forumId: number) {
    const list = await commitmentsOfForum(db, forumId);
    if (list.length === 0) return void (await ctx.reply(ctx.t("commitments.list_none_forum", { id: forumId })));
    const lines = [ctx.t("commitments.list_forum_heading", { id: forumId }), ""];
    for (const c of list) lines.push(listLine(await commitmentView(db, c), ctx.lang, tz));
    lines.push("", ctx.t("commitments.list_hint"));
    await ctx.reply(lines.join("\n"));
  }

  dm.command("commitments", async (ctx) => {
    if (!isStaff(ctx)) return staffOnly(ctx);
    const m = /^\s*#?(\d{1,9})\s*$/.exec(ctx.match);
    if (!m) return void (await ctx.reply(ctx.t("commitments.usage_commitments")));
    await listForum(ctx, Number(m[1]));
  });

  dm.callbackQuery(/^cml:(\d{1,9})$/, async (ctx) => {
    if (!isStaff(ctx)) return staffOnly(ctx);
    await ctx.answerCallbackQuery();
    await listForum(ctx, Number(ctx.match[1]));
  });

  dm.command("commitment", async (ctx) => {
    if (!isStaff(ctx)) return staffOnly(ctx);
    const commitment = ctx.match.trim() ? await commitmentByReference(db, ctx.match) : undefined;
    if (!commitment) return void (await ctx.reply(ctx.match.trim() ? ctx.t("commitments.not_found", { reference: ctx.match.trim() }) : ctx.t("commitments.usage_commitment")));
    const view = await commitmentView(db, commitment);
    const keyboard = commitment.status === "done" ? undefined : new InlineKeyboard().text(ctx.t("commitments.change_due_button"), `cmd:due:${commitment.id}`);
    await ctx.reply(staffDetail(view, ctx.lang, tz), keyboard ? { reply_markup: keyboard } : {});
  });

  dm.callbackQuery(/^cmd:due:(\d{1,9})$/, async (ctx) => {
    if (!isStaff(ctx)) return staffOnly(ctx);
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(CHANGE_COMMITMENT_DUE, Number(ctx.match[1]));
  });

  // ── Citizens: "Has this really happened?" ────────────────────────────────
  dm.callbackQuery(/^cmv:(\d{1,9}):([ypn])$/, async (ctx) => {
    const t = ctx.t;
    if (!ctx.user) return void (await ctx.answerCallbackQuery({ text: t("common.button_expired") }));
    const answer = verificationCode[ctx.match[2]!]!;
    const commitmentId = Number(ctx.match[1]);
    const result = await recordVerification(db, { commitmentId, userId: ctx.user.id, answer });
    if (!result.ok) {
      const key = result.reason === "closed" ? "commitments.answer_closed" : result.reason === "not_asked" ? "commitments.answer_not_asked" : "common.button_expired";
      return void (await ctx.answerCallbackQuery({ text: t(key), show_alert: result.reason === "closed" }));
    }
    await ctx.answerCallbackQuery({ text: t("commitments.answer_saved", { answer: t(`commitments.answer_${answer}`) }) });
    await ctx.editMessageReplyMarkup({ reply_markup: verificationKeyboard(commitmentId, ctx.lang, answer) }).catch(() => {});
    if (result.first) await refreshAtMilestone(deps.queues, commitmentId, result.answered);
  });

  // ── Council groups ───────────────────────────────────────────────────────
  groups.command("commit", async (ctx) => {
    if (!(await isGroupAdmin(ctx.api, ctx.chat.id, ctx.from.id, ctx.message.sender_chat?.id))) return void (await ctx.reply(ctx.t("commitments.admins_only")));
    if (!(await councilByGroup(db, ctx.chat.id))) return void (await ctx.reply(ctx.t("commitments.group_not_linked")));
    await ctx.conversation.enter(RECORD_COMMITMENT, {});
  });

  groups.command("commitments", async (ctx) => {
    const council = await councilByGroup(db, ctx.chat.id);
    const area = council && (await findArea(db, council.areaCode));
    if (!council || !area) return void (await ctx.reply(ctx.t("commitments.group_not_linked")));
    const list = await commitmentsOfCouncil(db, council.areaCode);
    const t = translator(council.language);
    if (list.length === 0) return void (await ctx.reply(t("commitments.list_none_council", { council: councilName(area, council.language) })));
    const lines = [t("commitments.list_council_heading", { council: councilName(area, council.language) }), ""];
    for (const c of list) lines.push(listLine(await commitmentView(db, c), council.language, tz));
    await ctx.reply(lines.join("\n"));
  });

  /** The group's council, if this commitment is its own and posted here; otherwise the refusal to show. */
  async function ownCommitment(ctx: MatiContext, commitmentId: number): Promise<{ council: Council; commitment: NonNullable<Awaited<ReturnType<typeof commitmentById>>> } | string> {
    const chatId = ctx.chat!.id;
    const council = await councilByGroup(db, chatId);
    const commitment = await commitmentById(db, commitmentId);
    if (!council || !commitment || commitment.councilAreaCode !== council.areaCode || commitment.groupChatId !== chatId) return ctx.t("commitments.g_not_yours");
    if (!(await isGroupMember(ctx.api, chatId, ctx.from!.id))) return ctx.t("commitments.g_not_member");
    return { council, commitment };
  }

  const refreshMessage = async (ctx: MatiContext, commitmentId: number) => {
    const commitment = (await commitmentById(db, commitmentId))!;
    const view = await commitmentView(db, commitment);
    await ctx.api
      .editMessageText(ctx.chat!.id, commitment.groupMessageId!, councilMessage(view, ctx.lang, tz), { reply_markup: councilKeyboard(commitment, ctx.lang) })
      .catch(() => {});
  };

  groups.callbackQuery(/^cmp:(st|dn|ph):(\d{1,9})$/, async (ctx) => {
    const [, button, rawId] = ctx.match;
    const own = await ownCommitment(ctx, Number(rawId));
    if (typeof own === "string") return void (await ctx.answerCallbackQuery({ text: own }));
    const { commitment } = own;
    const actor: CommitmentActor = { kind: "council", telegramId: ctx.from.id, name: ctx.from.first_name };
    if (button === "ph") {
      await ctx.answerCallbackQuery();
      const prompt = await ctx.api.sendMessage(ctx.chat.id, ctx.t("commitments.g_photo_prompt", { name: ctx.from.first_name, reference: commitment.reference }), {
        reply_parameters: { message_id: commitment.groupMessageId!, allow_sending_without_reply: true },
        reply_markup: { force_reply: true, selective: true, input_field_placeholder: ctx.t("commitments.g_photo_placeholder") },
      });
      const stored: PhotoPrompt = { commitmentId: commitment.id, memberId: ctx.from.id, memberName: ctx.from.first_name };
      await redis.set(promptKey(ctx.chat.id, prompt.message_id), JSON.stringify(stored), "EX", PROMPT_TTL_SECONDS);
      return;
    }
    const moved = await moveCommitment(db, { commitmentId: commitment.id, to: button === "st" ? "started" : "done", actor });
    if (!moved.ok) {
      const now = moved.commitment ? statusText(moved.commitment.status, ctx.t) : "";
      return void (await ctx.answerCallbackQuery({ text: ctx.t("commitments.g_not_allowed", { status: now }) }));
    }
    await ctx.answerCallbackQuery({ text: ctx.t("commitments.g_ok_toast", { status: statusText(moved.commitment.status, ctx.t) }) });
    await refreshMessage(ctx, moved.commitment.id);
    // Asking the citizens goes through the queue: it happens even if this process stops now.
    if (moved.commitment.status === "done") await enqueueDone(deps.queues, moved.commitment.id, ctx.from.first_name);
  });

  // A member's reply to the photo prompt (privacy mode lets the bot see replies to its own messages).
  groups.on("message").filter((ctx) => ctx.message.reply_to_message?.from?.id === ctx.me.id, async (ctx, next) => {
    const key = promptKey(ctx.chat.id, ctx.message.reply_to_message!.message_id);
    const raw = await redis.get(key);
    if (!raw) return next();
    const prompt = JSON.parse(raw) as PhotoPrompt;
    const here = { reply_parameters: { message_id: ctx.message.message_id } };
    if (ctx.from.id !== prompt.memberId) return void (await ctx.reply(ctx.t("commitments.g_prompt_other_member", { name: prompt.memberName }), here));
    const photo: PhotoSize | undefined = ctx.message.photo?.at(-1);
    if (!photo) return void (await ctx.reply(ctx.t("commitments.g_photo_only"), here));
    const own = await ownCommitment(ctx, prompt.commitmentId);
    if (typeof own === "string") return void (await ctx.reply(own, here));
    await addEvidence(db, { commitmentId: own.commitment.id, actor: { kind: "council", telegramId: ctx.from.id, name: ctx.from.first_name }, photoFileId: photo.file_id });
    await redis.del(key);
    await ctx.reply(ctx.t("commitments.g_photo_saved", { reference: own.commitment.reference }), here);
    await refreshMessage(ctx, own.commitment.id);
  });

  // A forged or stale commitment button anywhere else still gets an answer.
  composer.callbackQuery(/^(cmp|cmv|cmr|cml|cmd):/, (ctx) => ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") }));

  const conversations = commitmentConversations(deps);
  return {
    name: "commitments",
    conversations: {
      [RECORD_COMMITMENT]: conversations.recordCommitment as never,
      [CHANGE_COMMITMENT_DUE]: conversations.changeCommitmentDue as never,
    },
    composer,
    onForget: detachCommitmentsFrom,
    commands: [
      { command: "commit", descriptionKey: "commitments.cmd_commit", scope: "private", minRole: "staff" },
      { command: "commitments", descriptionKey: "commitments.cmd_commitments", scope: "private", minRole: "staff" },
      { command: "commitment", descriptionKey: "commitments.cmd_commitment", scope: "private", minRole: "staff" },
      { command: "commit", descriptionKey: "commitments.cmd_commit_group", scope: "group" },
      { command: "commitments", descriptionKey: "commitments.cmd_commitments_group", scope: "group" },
    ],
  };
}

export function commitmentsJobHandlers(deps: FeatureDeps, api: Api): { notify: Record<string, JobHandler>; reminders: Record<string, JobHandler> } {
  return commitmentJobHandlers(deps, api);
}
