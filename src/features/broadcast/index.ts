/**
 * /broadcast (staff, private chat): message → audience → preview with the
 * number of recipients → confirm → live progress and a final report.
 */
import { Composer, InlineKeyboard } from "grammy";
import type { MatiContext, MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { BroadcastContent, BroadcastMessage } from "../../db/schema/index.js";
import { formatNumber } from "../../i18n.js";
import type { FeatureDeps } from "../index.js";
import { hasRole } from "../users/users.js";
import { areaLabel } from "./area-search.js";
import { askAreas } from "./area-step.js";
import { audienceFor, countAudience, staffAudienceChoices, type StaffAudienceChoice } from "./audience.js";
import { attachProgress, forgetDeliveriesOf, startBroadcast } from "./engine.js";

export const TEXT_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;

export function broadcastFeature(deps: FeatureDeps): Feature {
  const { db } = deps;

  async function broadcastConversation(conversation: MatiConversation, ctx: MatiConversationContext) {
    const t = ctx.t;
    await ctx.reply(t("broadcast.ask_content"));
    let message: BroadcastMessage;
    for (;;) {
      const c = await conversation.waitFor(["message:text", "message:photo"], { otherwise: (o) => o.reply(t("broadcast.content_not_supported")) });
      const photo = c.message.photo?.at(-1)?.file_id;
      const text = (photo ? c.message.caption : c.message.text) ?? "";
      const max = photo ? CAPTION_LIMIT : TEXT_LIMIT;
      if (!photo && text.trim() === "") {
        await c.reply(t("broadcast.content_not_supported"));
        continue;
      }
      if (text.length > max) {
        await c.reply(t("broadcast.content_too_long", { length: formatNumber(text.length, ctx.lang), max: formatNumber(max, ctx.lang) }));
        continue;
      }
      message = { text, ...(photo ? { photo } : {}) };
      break;
    }

    const audienceKeyboard = new InlineKeyboard();
    for (const choice of staffAudienceChoices) audienceKeyboard.text(t(choice.labelKey), `bc:aud:${choice.kind}`).row();
    await ctx.reply(t("broadcast.ask_audience"), { reply_markup: audienceKeyboard });
    const kinds = staffAudienceChoices.map((c) => c.kind) as string[];
    const picked = await conversation.waitForCallbackQuery(/^bc:aud:(\w+)$/, { otherwise: (o) => o.reply(t("broadcast.press_a_button")) });
    await picked.answerCallbackQuery();
    const kind = picked.match[1]!;
    if (!kinds.includes(kind)) return void (await picked.reply(t("broadcast.discarded")));
    const choice = staffAudienceChoices.find((c) => c.kind === kind)!;
    const areas = choice.needsAreas ? await askAreas(conversation, ctx, db, t("broadcast.ask_audience")) : [];
    const audience = audienceFor(kind as StaffAudienceChoice, areas.map((a) => a.code));
    const count = await conversation.external(() => countAudience(db, audience));
    if (count === 0) return void (await ctx.reply(t("broadcast.nobody")));

    await ctx.reply(t("broadcast.preview_heading"));
    if (message.photo) await ctx.replyWithPhoto(message.photo, { caption: message.text || undefined });
    else await ctx.reply(message.text, { link_preview_options: { is_disabled: true } });
    const audienceText = areas.length
      ? t("broadcast.audience_desc_areas", { areas: areas.map((a) => areaLabel(a, ctx.lang)).join(", ") })
      : t("broadcast.audience_desc_everyone");
    await ctx.reply(
      t("broadcast.preview_confirm", { count: formatNumber(count, ctx.lang), audience: audienceText, rate: formatNumber(deps.config.BROADCAST_RATE_PER_SECOND, ctx.lang) }),
      { reply_markup: new InlineKeyboard().text(t("broadcast.send_button"), "bc:go").text(t("broadcast.cancel_button"), "bc:stop") },
    );
    const confirm = await conversation.waitForCallbackQuery(["bc:go", "bc:stop"], { otherwise: (o) => o.reply(t("broadcast.press_a_button")) });
    await confirm.answerCallbackQuery();
    if (confirm.callbackQuery.data === "bc:stop") return void (await confirm.editMessageReplyMarkup().then(() => confirm.reply(t("broadcast.discarded"))));
    await confirm.editMessageReplyMarkup();

    const content: BroadcastContent = { km: message, en: message };
    const started = await conversation.external(async () => {
      const b = await startBroadcast(deps, { kind: "announcement", content, audience, createdBy: ctx.user?.id });
      return { id: b.id, total: b.estimatedTotal };
    });
    const zero = formatNumber(0, ctx.lang);
    const progress = await ctx.reply(t("broadcast.progress", { id: started.id, sent: zero, total: formatNumber(started.total, ctx.lang), failed: zero, blocked: zero }));
    await conversation.external(() => attachProgress(db, started.id, { chatId: progress.chat.id, messageId: progress.message_id, language: ctx.lang }));
  }

  const composer = new Composer<MatiContext>();
  composer.command("broadcast", async (ctx) => {
    if (!hasRole(ctx.user, "staff")) return void (await ctx.reply(ctx.t("broadcast.staff_only")));
    if (ctx.chat.type !== "private") return void (await ctx.reply(ctx.t("broadcast.private_only")));
    await ctx.conversation.enter("broadcast");
  });

  return {
    name: "broadcast",
    onForget: forgetDeliveriesOf,
    conversations: { broadcast: broadcastConversation },
    composer,
    commands: [{ command: "broadcast", descriptionKey: "broadcast.cmd_broadcast", scope: "private", minRole: "staff" }],
  };
}
