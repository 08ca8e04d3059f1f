/**
 * /export for staff: what → area (typed name or code) → period → format; the
 * file is then written and sent by the exports queue. Database and clock
 * only inside `conversation.external` / `conversation.now()` (replay-safe).
 */
import { InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import { fromKhmerDigits } from "../../i18n.js";
import type { Queues } from "../../queue/queues.js";
import { findAreaWithPath, isAreaCode, pickableLevels, searchAreas } from "../areas/areas.js";
import { matchLabel, placeName } from "../areas/names.js";
import { choose, hint, settle } from "../ui/buttons.js";
import { hasRole } from "../users/users.js";
import { enqueueExport } from "./jobs.js";
import { parsePeriod, periodChoices, periodFor, type ExportPeriod, type PeriodChoice } from "./periods.js";
import { exportKinds, type ExportKind } from "./tables.js";
import { exportFormats, type ExportFormat } from "./writers.js";

type Ctx = MatiConversationContext;

export interface ExportConversationDeps {
  db: Database;
  queues: Queues;
  timeZone: string;
}


export function exportConversation(deps: ExportConversationDeps) {
  const { db, queues, timeZone } = deps;
  return async function exportData(conversation: MatiConversation, ctx: Ctx) {
    if (!hasRole(ctx.user, "staff") || ctx.chatId === undefined) return;
    const t = ctx.t;
    const chatId = ctx.chatId;

    // 1. What.
    const askKind = t("exports.ask_kind");
    const kinds = new InlineKeyboard();
    for (const kind of exportKinds) kinds.text(t(`exports.kinds.${kind}`), `ex:k:${kind}`).row();
    await ctx.reply(askKind, { reply_markup: kinds });
    const kind = await choose<ExportKind>(conversation, "ex:k", exportKinds, "exports.hint_buttons");
    await settle(kind.ctx, askKind, t(`exports.kinds.${kind.value}`));

    // 2. Where: a province, district or commune, by code or name.
    await ctx.reply(t("exports.ask_area"));
    let area: { code: string; name: string } | undefined;
    while (!area) {
      const m = await conversation.wait();
      const data = m.callbackQuery?.data;
      const text = m.message?.text?.trim();
      let code: string | undefined;
      if (data?.startsWith("ex:a:")) {
        code = data.slice(5);
        await m.answerCallbackQuery();
      } else if (text && !text.startsWith("/")) {
        const typed = fromKhmerDigits(text);
        if (isAreaCode(typed) && typed.length <= 6) code = typed;
        else {
          const matches = await conversation.external(() => searchAreas(db, text, { levels: pickableLevels, limit: 8 }));
          if (matches.length === 1) code = matches[0]!.code;
          else if (matches.length > 1) {
            const kb = new InlineKeyboard();
            for (const match of matches) kb.text(matchLabel(match, ctx.lang), `ex:a:${match.code}`).row();
            await m.reply(t("exports.choose_area"), { reply_markup: kb });
            continue;
          }
        }
        if (!code) {
          await m.reply(t("exports.area_not_found", { text }));
          continue;
        }
      } else {
        await hint(m, "exports.hint_area");
        continue;
      }
      const found = isAreaCode(code) && code.length <= 6 ? await conversation.external(() => findAreaWithPath(db, code)) : undefined;
      if (found) area = { code: found.code, name: placeName(found, ctx.lang) };
      else await m.reply(t("exports.area_not_found", { text: code }));
    }

    // 3. When: a button, or two typed dates.
    const askPeriod = t("exports.ask_period");
    const periods = new InlineKeyboard();
    periodChoices.forEach((choice, i) => {
      periods.text(t(`exports.periods.${choice}`), `ex:p:${choice}`);
      if (i % 2 === 1) periods.row();
    });
    await ctx.reply(t("exports.area_chosen", { area: area.name }) + "\n\n" + askPeriod, { reply_markup: periods });
    const now = new Date(await conversation.now());
    let period: ExportPeriod | undefined;
    while (!period) {
      const m = await conversation.wait();
      const data = m.callbackQuery?.data;
      if (data?.startsWith("ex:p:") && (periodChoices as readonly string[]).includes(data.slice(5))) {
        await m.answerCallbackQuery();
        period = periodFor(data.slice(5) as PeriodChoice, now, timeZone);
        await m.editMessageReplyMarkup().catch(() => {});
      } else if (m.message?.text && !m.message.text.startsWith("/")) {
        period = parsePeriod(m.message.text, timeZone);
        if (!period) await m.reply(t("exports.bad_dates"));
      } else {
        await hint(m, "exports.hint_period");
      }
    }

    // 4. Format.
    const askFormat = t("exports.ask_format", { from: period.firstDay, to: period.lastDay });
    await ctx.reply(askFormat, { reply_markup: new InlineKeyboard().text("CSV", "ex:f:csv").text("Excel (XLSX)", "ex:f:xlsx") });
    const format = await choose<ExportFormat>(conversation, "ex:f", exportFormats, "exports.hint_buttons");
    await settle(format.ctx, askFormat, format.value.toUpperCase());

    const chosen = { kind: kind.value, code: area.code, name: area.name, period, format: format.value };
    await conversation.external(() =>
      enqueueExport(queues, {
        chatId,
        lang: ctx.lang,
        kind: chosen.kind,
        areaCode: chosen.code,
        areaName: chosen.name,
        period: { ...chosen.period, start: chosen.period.start.toISOString(), end: chosen.period.end.toISOString() },
        format: chosen.format,
      }),
    );
    await ctx.reply(t("exports.preparing"));
  };
}
