/**
 * The citizen's conversations: filing a complaint step by step, and writing
 * one note about an existing complaint (an answer to the council, more
 * information, or why a "resolved" problem is not solved). Database, Redis and
 * the clock are only touched inside `conversation.external` (replay-safe).
 */
import { InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/client.js";
import { once } from "../../db/once.js";
import { languages, translator } from "../../i18n.js";
import type { Queues } from "../../queue/queues.js";
import { complaintCategories, complaintCategoryKey, type ComplaintCategory } from "../catalogue/complaint-categories.js";
import { serviceNameKey, services } from "../catalogue/services.js";
import { areaLabel } from "../areas/names.js";
import { choose, hint, settle } from "../ui/buttons.js";
import { citizenCommune } from "./commune.js";
import {
  communeAndDistrict,
  complaintById,
  complaintsFiledToday,
  DAILY_COMPLAINT_LIMIT,
  DESCRIPTION_MAX,
  DESCRIPTION_MIN,
  fileComplaint,
  MAX_PHOTOS,
} from "./complaints.js";
import { enqueueFiled, enqueueTellCouncil } from "./jobs.js";
import { addComplaintNote, transitionComplaint } from "./lifecycle.js";
import { attachmentsSummary } from "./render.js";

export interface ConversationDeps {
  config: Config;
  db: Database;
  queues: Queues;
  overdueAfterMs: number;
}

type Ctx = MatiConversationContext;

async function waitForText(conversation: MatiConversation, min: number, max: number, hintKey: string): Promise<string> {
  for (;;) {
    const m = await conversation.waitFor("message:text", { otherwise: (ctx) => hint(ctx, hintKey) });
    const text = m.message.text.trim();
    if (text.startsWith("/")) await m.reply(m.t(hintKey));
    else if ([...text].length < min) await m.reply(m.t("complaints.too_short", { min }));
    else if ([...text].length > max) await m.reply(m.t("complaints.too_long", { max, length: [...text].length }));
    else return text;
  }
}

export function complainConversation(deps: ConversationDeps) {
  const { db, queues, config } = deps;
  return async function complain(conversation: MatiConversation, ctx: Ctx) {
    const user = ctx.user;
    if (!user) return;
    const t = ctx.t;
    const communeCode = await citizenCommune(db, conversation, ctx);
    if (!communeCode) return;
    const filedToday = await conversation.external(() => complaintsFiledToday(db, user.id, config.TIMEZONE));
    if (filedToday >= DAILY_COMPLAINT_LIMIT) {
      await ctx.reply(t("complaints.daily_limit", { limit: DAILY_COMPLAINT_LIMIT }));
      return;
    }

    // 1. Category, then (except for land) the service it concerns.
    const askCategory = t("complaints.ask_category");
    const categories = new InlineKeyboard();
    for (const c of complaintCategories) categories.text(t(complaintCategoryKey(c.key)), `cf:cat:${c.key}`).row();
    await ctx.reply(askCategory, { reply_markup: categories });
    const cat = await choose(conversation, "cf:cat", complaintCategories.map((c) => c.key), "complaints.hint_buttons");
    const category = cat.value as ComplaintCategory;
    await settle(cat.ctx, askCategory, t(complaintCategoryKey(category)));

    let serviceKey: string | undefined;
    if (category === "land") {
      await ctx.reply(t("complaints.land_mechanism"));
    } else {
      const askService = t("complaints.ask_service");
      const kb = new InlineKeyboard();
      for (const s of services) kb.text(t(serviceNameKey(s.key)), `cf:svc:${s.key}`).row();
      kb.text(t("complaints.service_none"), "cf:svc:none");
      await ctx.reply(askService, { reply_markup: kb });
      const svc = await choose(conversation, "cf:svc", [...services.map((s) => s.key), "none"], "complaints.hint_buttons");
      serviceKey = svc.value === "none" ? undefined : svc.value;
      await settle(svc.ctx, askService, serviceKey ? t(serviceNameKey(serviceKey)) : t("complaints.service_none"));
    }

    // 2. What happened.
    await ctx.reply(t("complaints.ask_description", { min: DESCRIPTION_MIN }));
    const description = await waitForText(conversation, DESCRIPTION_MIN, DESCRIPTION_MAX, "complaints.hint_text");

    // 3. Photos and/or a voice note, optional.
    const photos: string[] = [];
    let voice: string | undefined;
    const mediaKb = new InlineKeyboard().text(t("complaints.button_done"), "cf:media:done").text(t("complaints.button_skip"), "cf:media:skip");
    await ctx.reply(t("complaints.ask_media", { max: MAX_PHOTOS }), { reply_markup: mediaKb });
    while (photos.length < MAX_PHOTOS || !voice) {
      const m = await conversation.wait();
      const data = m.callbackQuery?.data;
      if (data === "cf:media:done" || data === "cf:media:skip") {
        await m.answerCallbackQuery();
        await m.editMessageReplyMarkup().catch(() => {});
        break;
      }
      const photo = m.message?.photo;
      if (photo?.length) {
        if (photos.length >= MAX_PHOTOS) await m.reply(t("complaints.photo_limit", { max: MAX_PHOTOS }), { reply_markup: mediaKb });
        else {
          photos.push(photo[photo.length - 1]!.file_id);
          await m.reply(t("complaints.media_received", { photos: photos.length, voices: voice ? 1 : 0 }), { reply_markup: mediaKb });
        }
      } else if (m.message?.voice) {
        if (voice) await m.reply(t("complaints.voice_limit"), { reply_markup: mediaKb });
        else {
          voice = m.message.voice.file_id;
          await m.reply(t("complaints.media_received", { photos: photos.length, voices: 1 }), { reply_markup: mediaKb });
        }
      } else if (m.message?.document?.mime_type?.startsWith("image/")) {
        await m.reply(t("complaints.hint_photo_as_file"));
      } else {
        await hint(m, "complaints.hint_media");
      }
    }

    // 4. The place, optional: a pin from the attachment menu or "send my location".
    // Either language's label: the keyboard may have been shown before a language change.
    const skipLabels = languages.map((l) => translator(l)("complaints.button_skip"));
    await ctx.reply(t("complaints.ask_place"), {
      reply_markup: {
        keyboard: [[{ text: t("complaints.button_my_location"), request_location: true }], [{ text: t("complaints.button_skip") }]],
        resize_keyboard: true,
        one_time_keyboard: true,
      },
    });
    let location: { latitude: number; longitude: number } | undefined;
    for (;;) {
      const m = await conversation.wait();
      if (m.message?.location) {
        location = { latitude: m.message.location.latitude, longitude: m.message.location.longitude };
        await m.reply(t("complaints.place_saved"), { reply_markup: { remove_keyboard: true } });
        break;
      }
      if (m.message?.text && skipLabels.includes(m.message.text.trim())) {
        await m.reply(t("complaints.place_skipped"), { reply_markup: { remove_keyboard: true } });
        break;
      }
      await hint(m, "complaints.hint_place");
    }

    // 5. Anonymous or with the first name.
    const firstName = user.firstName ?? ctx.from?.first_name ?? "";
    const askIdentity = t("complaints.ask_identity", { name: firstName });
    await ctx.reply(askIdentity, {
      reply_markup: new InlineKeyboard().text(t("complaints.button_anonymous"), "cf:id:anon").row().text(t("complaints.button_named"), "cf:id:named"),
    });
    const who = await choose(conversation, "cf:id", ["anon", "named"], "complaints.hint_buttons");
    const anonymous = who.value === "anon";
    await settle(who.ctx, askIdentity, anonymous ? t("complaints.button_anonymous") : t("complaints.button_named"));

    // 6. May the text be published as open data? Off unless the citizen says yes.
    const askPublish = t("complaints.ask_publish");
    await ctx.reply(askPublish, {
      reply_markup: new InlineKeyboard().text(t("complaints.button_publish_no"), "cf:pub:no").row().text(t("complaints.button_publish_yes"), "cf:pub:yes"),
    });
    const pub = await choose(conversation, "cf:pub", ["no", "yes"], "complaints.hint_buttons");
    const publishText = pub.value === "yes";
    await settle(pub.ctx, askPublish, t(publishText ? "complaints.button_publish_yes" : "complaints.button_publish_no"));

    // 7. Summary and confirmation.
    const place = await conversation.external(() => communeAndDistrict(db, communeCode));
    const lines = [t("complaints.field_category", { value: t(complaintCategoryKey(category)) })];
    if (serviceKey) lines.push(t("complaints.field_service", { value: t(serviceNameKey(serviceKey)) }));
    const where = areaLabel(place.commune, ctx.lang);
    lines.push(t("complaints.field_place", { value: location ? t("complaints.place_with_pin", { place: where }) : where }));
    const attachments = attachmentsSummary({ photoFileIds: photos, voiceFileId: voice ?? null, latitude: null }, t);
    lines.push(t("complaints.field_attachments", { value: attachments ?? t("complaints.att_none") }));
    lines.push(t("complaints.field_identity", { value: anonymous ? t("complaints.anonymous") : firstName }));
    lines.push(t("complaints.field_publish", { value: t(publishText ? "complaints.publish_yes" : "complaints.publish_no") }));
    lines.push("", description);
    await ctx.reply(t("complaints.summary", { details: lines.join("\n") }), {
      reply_markup: new InlineKeyboard().text(t("complaints.button_send"), "cf:send:ok").text(t("complaints.button_cancel"), "cf:send:no"),
    });
    const confirm = await choose(conversation, "cf:send", ["ok", "no"], "complaints.hint_buttons");
    await confirm.ctx.editMessageReplyMarkup().catch(() => {});
    if (confirm.value === "no") {
      await ctx.reply(t("complaints.not_sent"));
      return;
    }

    const result = await conversation.external(async () => {
      // Keyed by the press of Send: handled again after a crash, it finds this complaint instead of filing another.
      const filed = await once(db, `complaint:${confirm.ctx.update.update_id}`, async (tx) => {
        const outcome = await fileComplaint(
          tx,
          { userId: user.id, communeCode, category, serviceKey, description, photoFileIds: photos, voiceFileId: voice, location, anonymous, firstName, publishText },
          { timeZone: config.TIMEZONE },
        );
        return outcome.ok ? { ok: true as const, id: outcome.complaint.id, reference: outcome.complaint.reference } : { ok: false as const };
      });
      if (!filed.ok) return { ok: false as const };
      // Delivery and the overdue check go through the queue (job ids are the complaint's: a second run adds nothing).
      await enqueueFiled(queues, filed.id, deps.overdueAfterMs);
      return { ok: true as const, reference: filed.reference };
    });
    if (!result.ok) {
      await ctx.reply(t("complaints.daily_limit", { limit: DAILY_COMPLAINT_LIMIT }));
      return;
    }
    await ctx.reply(t("complaints.filed", { reference: result.reference }));
  };
}

/** "follow_up": why a resolved problem is back, answering the 4-week follow-up question (reopens). */
export type NotePurpose = "answer" | "info" | "reopen" | "follow_up";

/** One note about an existing complaint, entered from a button (complaint id and purpose as arguments). */
export function complaintNoteConversation(deps: ConversationDeps) {
  const { db, queues } = deps;
  return async function complaintNote(conversation: MatiConversation, ctx: Ctx, complaintId: number, purpose: NotePurpose) {
    const user = ctx.user;
    if (!user || !["answer", "info", "reopen", "follow_up"].includes(purpose)) return;
    const reference = await conversation.external(async () => {
      const c = await complaintById(db, complaintId);
      return c && c.userId === user.id ? c.reference : null;
    });
    if (!reference) {
      await ctx.reply(ctx.t("complaints.not_found"));
      return;
    }
    await ctx.reply(ctx.t(`complaints.ask_${purpose}`, { reference }));
    const text = await waitForText(conversation, 2, DESCRIPTION_MAX, "complaints.note_hint");
    const outcome = await conversation.external(async () => {
      const actor = { kind: "citizen" as const, userId: user.id };
      const done =
        purpose === "reopen" || purpose === "follow_up"
          ? await transitionComplaint(db, { complaintId, action: "reopen", actor, note: text, answersFollowUp: purpose === "follow_up" })
          : await addComplaintNote(db, { complaintId, kind: purpose, actor, text });
      if (!done.ok) return { ok: false as const, status: done.complaint?.status ?? null, answered: done.reason === "already_answered" };
      await enqueueTellCouncil(queues, done.event.id);
      return { ok: true as const };
    });
    if (outcome.ok) await ctx.reply(ctx.t(purpose === "answer" || purpose === "info" ? "complaints.note_sent" : "complaints.reopened", { reference }));
    else if (outcome.answered) await ctx.reply(ctx.t("complaints.follow_up_already"));
    else if (outcome.status) await ctx.reply(ctx.t("complaints.refused_not_allowed", { status: ctx.t(`complaints.status.${outcome.status}`) }));
    else await ctx.reply(ctx.t("complaints.not_found"));
  };
}
