/**
 * Recording a commitment, step by step: which council follows it up → who
 * does it → which service → where → what → by when → a preview → recorded,
 * posted to the council's group, reminders scheduled. Staff run it in a
 * private chat (/commit, or from a forum's view); a linked council group's
 * administrator runs it in the group (/commit there), where the council is
 * the group's own and text answers are replies to the bot's questions (the
 * conversation state is kept per member in groups: see create-bot.ts).
 *
 * Also: a new due date (staff, from /commitment CM-…). Database and clock
 * only inside conversation.external / conversation.now() (replay-safe).
 */
import { InlineKeyboard } from "grammy";
import type { ForceReply } from "grammy/types";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Area } from "../../db/schema/index.js";
import { translator } from "../../i18n.js";
import { childAreas, findArea } from "../areas/areas.js";
import { areaLabel } from "../areas/names.js";
import { services, serviceNameKey } from "../catalogue/services.js";
import { councilByGroup, councilName, findCouncilAreas, linkedCouncilForArea } from "../councils/councils.js";
import { forumAreaNames, getForum } from "../forums/forums.js";
import { forumTitle } from "../forums/messages.js";
import { choose, hint, settle } from "../ui/buttons.js";
import { responsibleBodies } from "./catalogue.js";
import { changeDueDate, commitmentById, createCommitment, type CommitmentActor } from "./commitments.js";
import { enqueuePosting, replyInGroup, scheduleCommitmentReminders, type CommitmentDeps } from "./jobs.js";
import { dueText } from "./render.js";
import { monthsAhead, parseDueDate } from "./schedule.js";

type Ctx = MatiConversationContext;
type Conv = MatiConversation;

export const RECORD_COMMITMENT = "record-commitment";
export const CHANGE_COMMITMENT_DUE = "commitment-due";

export interface RecordArgs {
  forumId?: number;
}

const TEXT_LIMIT = 500;

/** A text question: in a group, the member's answer must be a reply to it (privacy mode). */
function askText(ctx: Ctx, text: string, replyTo?: number) {
  const inGroup = ctx.chat?.type !== "private";
  const markup: ForceReply | undefined = inGroup ? { force_reply: true, selective: true } : undefined;
  return ctx.reply(text, { reply_markup: markup, ...(inGroup && replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}) });
}

/** Waits for text that is not a command; anything else gets the hint. */
async function waitText(conversation: Conv, hintKey: string): Promise<Ctx & { message: { text: string; message_id: number } }> {
  for (;;) {
    const c = await conversation.wait();
    const text = c.message?.text;
    if (text && !text.startsWith("/")) return c as never;
    await hint(c, hintKey);
  }
}

/** A due date: a button (1, 3 or 6 months from today) or a typed date, today or later. */
async function askDueDate(conversation: Conv, ctx: Ctx, prompt: string, timeZone: string): Promise<string> {
  const t = ctx.t;
  const keyboard = new InlineKeyboard().text(t("commitments.due_1"), "cmr:due:1").text(t("commitments.due_3"), "cmr:due:3").text(t("commitments.due_6"), "cmr:due:6");
  await ctx.reply(prompt, { reply_markup: keyboard });
  for (;;) {
    const c = await conversation.wait();
    const now = new Date(await conversation.now());
    const months = /^cmr:due:(1|3|6)$/.exec(c.callbackQuery?.data ?? "")?.[1];
    if (months) {
      await c.answerCallbackQuery();
      const dueOn = monthsAhead(now, Number(months), timeZone);
      await settle(c, prompt, dueText(dueOn, ctx.lang, timeZone));
      return dueOn;
    }
    const text = c.message?.text;
    if (!text || text.startsWith("/")) {
      await hint(c, "commitments.hint_due");
      continue;
    }
    const parsed = parseDueDate(text, now, timeZone);
    if (parsed.ok) return parsed.dueOn;
    await c.reply(t(parsed.reason === "past" ? "commitments.due_past" : "commitments.due_unreadable"));
  }
}

export function commitmentConversations(deps: CommitmentDeps) {
  const { db, config, queues } = deps;
  const tz = config.TIMEZONE;

  /** Councils a forum's commitments usually concern: its areas' councils and their districts'. */
  async function councilsOfForum(forumId: number): Promise<Area[]> {
    const targets = await forumAreaNames(db, forumId);
    const codes = new Set<string>();
    for (const a of targets) {
      if (a.code.length === 6) codes.add(a.code).add(a.code.slice(0, 4));
      else if (a.code.length === 4) codes.add(a.code);
    }
    const found: Area[] = [];
    // The nearest council first: communes, then districts.
    for (const code of [...codes].sort((a, b) => b.length - a.length || a.localeCompare(b))) {
      const area = await findArea(db, code);
      if (area) found.push(area);
    }
    return found;
  }

  /** Staff pick the council: buttons from the forum, or a typed name or code. */
  async function askCouncil(conversation: Conv, ctx: Ctx, forumId?: number): Promise<Area> {
    const t = ctx.t;
    let offered = forumId ? await conversation.external(() => councilsOfForum(forumId)) : [];
    const keyboardOf = (list: Area[]) => {
      const kb = new InlineKeyboard();
      for (const a of list) kb.text(councilName(a, ctx.lang), `cmr:cn:${a.code}`).row();
      return kb;
    };
    await ctx.reply(t(offered.length ? "commitments.ask_council_pick" : "commitments.ask_council"), offered.length ? { reply_markup: keyboardOf(offered) } : {});
    for (;;) {
      const c = await conversation.wait();
      const code = /^cmr:cn:(\d{4}|\d{6})$/.exec(c.callbackQuery?.data ?? "")?.[1];
      if (code) {
        const area = offered.find((a) => a.code === code);
        if (!area) {
          await c.answerCallbackQuery({ text: t("common.button_expired") });
          continue;
        }
        await c.answerCallbackQuery();
        await c.editMessageReplyMarkup().catch(() => {});
        return area;
      }
      const text = c.message?.text?.trim();
      if (!text || text.startsWith("/")) {
        await hint(c, "commitments.hint_council");
        continue;
      }
      const found = await conversation.external(() => findCouncilAreas(db, text));
      if (found.length === 0) {
        await c.reply(t("commitments.council_not_found", { text }));
        continue;
      }
      if (found.length === 1) return found[0]!;
      offered = found;
      await c.reply(t("commitments.ask_council_pick"), { reply_markup: keyboardOf(found) });
    }
  }

  async function recordCommitment(conversation: Conv, ctx: Ctx, args: RecordArgs = {}) {
    const t = ctx.t;
    const lang = ctx.lang;
    const inGroup = ctx.chat?.type !== "private";
    const from = ctx.from!;
    let replyTo = ctx.message?.message_id;

    // 1. The council that follows it up.
    let council: Area;
    let forumTitleText: string | undefined;
    if (inGroup) {
      const chatId = ctx.chat!.id;
      const own = await conversation.external(async () => {
        const c = await councilByGroup(db, chatId);
        return c ? findArea(db, c.areaCode) : undefined;
      });
      if (!own) return void (await ctx.reply(t("commitments.group_not_linked")));
      council = own;
      await ctx.reply(t("commitments.g_start", { council: councilName(own, lang) }));
    } else {
      if (args.forumId) {
        const forumId = args.forumId;
        const forum = await conversation.external(() => getForum(db, forumId));
        if (!forum) return void (await ctx.reply(t("forums.not_found", { id: forumId })));
        forumTitleText = forumTitle(forum, lang);
        await ctx.reply(t("commitments.start_for_forum", { id: forum.id, title: forumTitleText }));
      } else await ctx.reply(t("commitments.start"));
      council = await askCouncil(conversation, ctx, args.forumId);
    }

    // 2. Who does it.
    const askBody = t("commitments.ask_responsible");
    const bodies = new InlineKeyboard();
    for (const body of responsibleBodies) {
      bodies.text(body === "council" ? councilName(council, lang) : t(`commitments.body.${body}`), `cmr:rb:${body}`).row();
    }
    bodies.text(t("commitments.body_other"), "cmr:rb:other");
    await ctx.reply(askBody, { reply_markup: bodies });
    const body = await choose(conversation, "cmr:rb", [...responsibleBodies, "other"] as const, "commitments.hint_buttons");
    let responsible: string = body.value;
    if (body.value === "other") {
      await settle(body.ctx, askBody, t("commitments.body_other"));
      await askText(ctx, t("commitments.ask_responsible_text"), replyTo);
      for (;;) {
        const c = await waitText(conversation, "commitments.hint_text");
        replyTo = c.message.message_id;
        responsible = c.message.text.trim();
        if (responsible.length > 0 && responsible.length <= 120) break;
        await c.reply(t("commitments.responsible_too_long"));
      }
    } else {
      await settle(body.ctx, askBody, body.value === "council" ? councilName(council, lang) : t(`commitments.body.${body.value}`));
    }

    // 3. Which service (optional).
    const askService = t("commitments.ask_service");
    const serviceKeys = services.filter((s) => council.level === "district" || s.level === "commune").map((s) => s.key);
    const serviceButtons = new InlineKeyboard();
    serviceKeys.forEach((key, i) => {
      serviceButtons.text(t(serviceNameKey(key)), `cmr:sv:${key}`);
      if (i % 2 === 1) serviceButtons.row();
    });
    serviceButtons.row().text(t("commitments.no_service"), "cmr:sv:none");
    await ctx.reply(askService, { reply_markup: serviceButtons });
    const service = await choose(conversation, "cmr:sv", [...serviceKeys, "none"], "commitments.hint_buttons");
    const serviceKey = service.value === "none" ? null : service.value;
    await settle(service.ctx, askService, serviceKey ? t(serviceNameKey(serviceKey)) : t("commitments.no_service"));

    // 4. Where: a commune council's own commune; for a district, one of its communes or all of it.
    let area: Area = council;
    if (council.level === "district") {
      const districtCode = council.code;
      const communes = await conversation.external(() => childAreas(db, districtCode));
      const askArea = t("commitments.ask_area");
      const kb = new InlineKeyboard().text(t("commitments.whole_district", { district: areaLabel(council, lang) }), `cmr:ar:${council.code}`).row();
      communes.forEach((c, i) => {
        kb.text(areaLabel(c, lang), `cmr:ar:${c.code}`);
        if (i % 2 === 1) kb.row();
      });
      await ctx.reply(askArea, { reply_markup: kb });
      const picked = await choose(conversation, "cmr:ar", [council.code, ...communes.map((c) => c.code)], "commitments.hint_buttons");
      area = communes.find((c) => c.code === picked.value) ?? council;
      await settle(picked.ctx, askArea, area === council ? t("commitments.whole_district", { district: areaLabel(council, lang) }) : areaLabel(area, lang));
    }

    // 5. What will be done.
    await askText(ctx, t("commitments.ask_text"), replyTo);
    let text: string;
    for (;;) {
      const c = await waitText(conversation, "commitments.hint_text");
      replyTo = c.message.message_id;
      text = c.message.text.trim();
      if (text.length > 0 && text.length <= TEXT_LIMIT) break;
      await c.reply(t("commitments.text_too_long", { max: TEXT_LIMIT }));
    }

    // 6. By when.
    const dueOn = await askDueDate(conversation, ctx, t("commitments.ask_due"), tz);

    // 7. Preview.
    const preview = [
      t("commitments.preview_heading"),
      "",
      `«${text}»`,
      t("commitments.line_responsible", { who: responsible === "council" ? councilName(council, lang) : (responsibleBodies as readonly string[]).includes(responsible) ? t(`commitments.body.${responsible}`) : responsible }),
      serviceKey ? t("commitments.line_service", { service: t(serviceNameKey(serviceKey)), place: areaLabel(area, lang) }) : t("commitments.line_place", { place: areaLabel(area, lang) }),
      t("commitments.line_due", { date: dueText(dueOn, lang, tz) }),
      t("commitments.line_council", { council: councilName(council, lang) }),
      ...(forumTitleText ? [t("commitments.line_forum_short", { title: forumTitleText })] : []),
    ].join("\n");
    await ctx.reply(preview, { reply_markup: new InlineKeyboard().text(t("commitments.save_button"), "cmr:ok:y").text(t("commitments.discard_button"), "cmr:ok:n") });
    const confirm = await choose(conversation, "cmr:ok", ["y", "n"] as const, "commitments.hint_buttons");
    await confirm.ctx.editMessageReplyMarkup().catch(() => {});
    if (confirm.value === "n") return void (await ctx.reply(t("commitments.discarded")));

    const actor: CommitmentActor = inGroup ? { kind: "council", telegramId: from.id, name: from.first_name } : { kind: "staff", userId: ctx.user!.id, name: from.first_name };
    const saved = await conversation.external(async () => {
      const commitment = await createCommitment(db, { forumId: args.forumId ?? null, councilAreaCode: council.code, areaCode: area.code, serviceKey, responsible, text, dueOn, actor });
      await scheduleCommitmentReminders(queues, commitment, tz);
      await enqueuePosting(queues, commitment.id);
      const linked = await linkedCouncilForArea(db, council.code);
      return { reference: commitment.reference, linked: !!linked };
    });
    const done = t(saved.linked ? "commitments.recorded" : "commitments.recorded_waiting", { reference: saved.reference, council: councilName(council, lang) });
    await ctx.reply(done, args.forumId && !inGroup ? { reply_markup: new InlineKeyboard().text(t("commitments.another_button"), `cmr:new:${args.forumId}`) } : {});
  }

  async function changeCommitmentDue(conversation: Conv, ctx: Ctx, commitmentId: number) {
    const t = ctx.t;
    const current = await conversation.external(() => commitmentById(db, commitmentId));
    if (!current) return void (await ctx.reply(t("commitments.not_found", { reference: String(commitmentId) })));
    if (current.status === "done") return void (await ctx.reply(t("commitments.due_done", { reference: current.reference })));
    const dueOn = await askDueDate(conversation, ctx, t("commitments.ask_new_due", { reference: current.reference, date: dueText(current.dueOn, ctx.lang, tz) }), tz);
    const actor: CommitmentActor = { kind: "staff", userId: ctx.user!.id, name: ctx.from!.first_name };
    const result = await conversation.external(async () => {
      const change = await changeDueDate(db, { commitmentId, dueOn, actor });
      if (!change.ok) return change.reason;
      await scheduleCommitmentReminders(queues, change.commitment, tz);
      const council = await linkedCouncilForArea(db, change.commitment.councilAreaCode);
      if (council && change.commitment.groupChatId === council.groupChatId && change.commitment.groupMessageId) {
        const lang = council.language;
        const text = translator(lang)("commitments.g_due_changed", { reference: change.commitment.reference, date: dueText(dueOn, lang, tz), before: dueText(change.previous, lang, tz) });
        await replyInGroup(queues, council, change.commitment, text, `due-changed-${dueOn}`);
        await queues.notify.add("commitment-refresh", { commitmentId }, { jobId: `commitment-${commitmentId}-refresh-due-${dueOn}` });
      }
      return "ok" as const;
    });
    if (result !== "ok") return void (await ctx.reply(t(result === "same" ? "commitments.due_same" : "commitments.due_done", { reference: current.reference })));
    await ctx.reply(t("commitments.due_changed", { reference: current.reference, date: dueText(dueOn, ctx.lang, tz) }));
  }

  return { recordCommitment, changeCommitmentDue };
}
