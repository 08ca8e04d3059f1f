/**
 * The conversation step that asks staff for one or more target areas, by
 * typed code or name (searchAreas), with buttons when a name is ambiguous.
 * Used by /broadcast and /newforum.
 */
import { InlineKeyboard } from "grammy";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import { areaLabel, areasByCode, searchAreas, type FoundArea } from "./area-search.js";

export async function askAreas(conversation: MatiConversation, ctx: MatiConversationContext, db: Database, prompt: string): Promise<FoundArea[]> {
  const t = ctx.t;
  const chosen = new Map<string, FoundArea>();
  const doneKeyboard = () => new InlineKeyboard().text(t("broadcast.areas_done"), "ar:done");
  const list = () => [...chosen.values()].map((a) => areaLabel(a, ctx.lang)).join(", ");
  await ctx.reply(`${prompt}\n\n${t("broadcast.areas_ask")}`);
  for (;;) {
    const answer = await conversation.waitFor(["message:text", "callback_query:data"], {
      otherwise: (c) => c.reply(t("broadcast.areas_send_text")),
    });
    if (answer.callbackQuery) {
      const data = answer.callbackQuery.data ?? "";
      await answer.answerCallbackQuery();
      if (data === "ar:done") {
        if (chosen.size > 0) return [...chosen.values()];
        await answer.reply(t("broadcast.areas_need_one"));
        continue;
      }
      const pick = /^ar:pick:(\d{2,6})$/.exec(data);
      if (pick) {
        const [area] = await conversation.external(() => areasByCode(db, [pick[1]!]));
        if (area) chosen.set(area.code, area);
        await answer.reply(t("broadcast.areas_so_far", { areas: list() }), { reply_markup: doneKeyboard() });
        continue;
      }
      await answer.reply(t("broadcast.areas_send_text"));
      continue;
    }
    const parts = answer.message!.text.split(/[,،\n;]+/).map((p) => p.trim()).filter(Boolean);
    for (const part of parts.slice(0, 20)) {
      const found = await conversation.external(() => searchAreas(db, part));
      if (found.length === 0) {
        await answer.reply(t("broadcast.areas_none_found", { query: part }));
      } else if (found.length === 1 || found[0]!.code === part) {
        chosen.set(found[0]!.code, found[0]!);
      } else {
        const keyboard = new InlineKeyboard();
        for (const area of found) keyboard.text(areaLabel(area, ctx.lang), `ar:pick:${area.code}`).row();
        await answer.reply(t("broadcast.areas_which", { query: part }), { reply_markup: keyboard });
      }
    }
    if (chosen.size > 0) await answer.reply(t("broadcast.areas_so_far", { areas: list() }), { reply_markup: doneKeyboard() });
  }
}
