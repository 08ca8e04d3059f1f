/**
 * Councils' Telegram groups: staff create one-time link codes (/linkcode in a
 * private chat); a group administrator links the group with /link CODE
 * (wrong codes throttled per group), unlinks it (/unlink) and picks the
 * bot's language there (/language).
 */
import { Composer, InlineKeyboard } from "grammy";
import type { Redis } from "ioredis";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/client.js";
import type { Council } from "../../db/schema/index.js";
import { formatDateTime, translator, type Language } from "../../i18n.js";
import type { Logger } from "../../log.js";
import { hasRole } from "../users/users.js";
import { findArea } from "../areas/areas.js";
import {
  councilByGroup,
  councilName,
  createLinkCode,
  findCouncilAreas,
  LINK_CODE_VALIDITY_MS,
  linkGroup,
  setCouncilLanguage,
  unlinkGroup,
  type Area,
  detachLinkCodesFrom,
} from "./councils.js";
import { isGroupAdmin } from "./membership.js";

export const LINK_TRIES_PER_HOUR = 5;

export interface CouncilsDeps {
  config: Config;
  db: Database;
  redis: Redis;
  log: Logger;
}

export interface CouncilsOptions {
  /** Called once a group is linked; returns how many waiting complaints are now on their way. */
  onLinked?: (council: Council) => Promise<number>;
}

export function councilsFeature(deps: CouncilsDeps, options: CouncilsOptions = {}): Feature {
  const { db, redis, config } = deps;
  const composer = new Composer<MatiContext>();
  const dm = composer.chatType("private");
  const groups = composer.chatType(["group", "supergroup"]);

  // ── Staff: link codes ────────────────────────────────────────────────────
  const issueCode = async (ctx: MatiContext, area: Area) => {
    const code = await createLinkCode(db, area.code, ctx.user?.id);
    const until = new Date(Date.now() + LINK_CODE_VALIDITY_MS);
    await ctx.reply(
      ctx.t("councils.linkcode_created", {
        council: councilName(area, ctx.lang),
        code,
        until: formatDateTime(until, ctx.lang, config.TIMEZONE),
        bot: ctx.me.username,
      }),
    );
  };

  dm.command("linkcode", async (ctx) => {
    if (!hasRole(ctx.user, "staff")) return ctx.reply(ctx.t("councils.staff_only"));
    const query = ctx.match.trim();
    if (!query) return ctx.reply(ctx.t("councils.linkcode_usage"));
    const found = await findCouncilAreas(db, query);
    if (found.length === 0) return ctx.reply(ctx.t("councils.linkcode_not_found", { query }));
    if (found.length === 1) return issueCode(ctx, found[0]!);
    const kb = new InlineKeyboard();
    for (const area of found) kb.text(`${councilName(area, ctx.lang)} (${area.code})`, `lc:${area.code}`).row();
    await ctx.reply(ctx.t("councils.linkcode_choose"), { reply_markup: kb });
  });

  dm.callbackQuery(/^lc:(\d{4}|\d{6})$/, async (ctx) => {
    if (!hasRole(ctx.user, "staff")) return ctx.answerCallbackQuery({ text: ctx.t("councils.staff_only") });
    const area = await findArea(db, ctx.match[1]!);
    if (!area || (area.level !== "commune" && area.level !== "district")) return ctx.answerCallbackQuery({ text: ctx.t("common.button_expired") });
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup().catch(() => {});
    await issueCode(ctx, area);
  });

  // ── Group administrators: link, unlink, language ─────────────────────────
  const adminOnly = async (ctx: MatiContext): Promise<boolean> => {
    const ok = await isGroupAdmin(ctx.api, ctx.chat!.id, ctx.from!.id, ctx.message?.sender_chat?.id);
    if (!ok) await ctx.reply(ctx.t("councils.admins_only"));
    return ok;
  };

  groups.command("link", async (ctx) => {
    const code = ctx.match.trim();
    if (!code) return ctx.reply(ctx.t("councils.link_usage"));
    if (!(await isGroupAdmin(ctx.api, ctx.chat.id, ctx.from.id, ctx.message.sender_chat?.id))) return ctx.reply(ctx.t("councils.link_admins_only"));
    // Throttle per group: a wrong code costs a try; beyond the limit even a right one waits.
    const triesKey = `${config.REDIS_PREFIX}:link-tries:${ctx.chat.id}`;
    const tries = Number((await redis.get(triesKey)) ?? 0);
    if (tries >= LINK_TRIES_PER_HOUR) return ctx.reply(ctx.t("councils.link_throttled"));
    const result = await linkGroup(db, { code, chatId: ctx.chat.id, byTelegramId: ctx.from.id });
    if (!result.ok) {
      await redis.multi().incr(triesKey).expire(triesKey, 3600, "NX").exec();
      return ctx.reply(ctx.t(`councils.link_${result.reason}`));
    }
    const lang = result.council.language;
    const t = translator(lang);
    const waiting = options.onLinked ? await options.onLinked(result.council) : 0;
    await ctx.reply(t("councils.linked", { council: councilName(result.area, lang), language: t(`councils.language_name_${lang}`) }));
    if (waiting > 0) await ctx.reply(t("councils.linked_waiting", { count: waiting }));
    if (result.movedFrom) {
      await ctx.api.sendMessage(result.movedFrom, translator(lang)("councils.moved_away", { council: councilName(result.area, lang) })).catch(() => {});
    }
  });

  groups.command("unlink", async (ctx) => {
    if (!(await adminOnly(ctx))) return;
    const council = await unlinkGroup(db, ctx.chat.id);
    if (!council) return ctx.reply(ctx.t("councils.not_linked"));
    const area = await findArea(db, council.areaCode);
    await ctx.reply(ctx.t("councils.unlinked", { council: area ? councilName(area, ctx.lang) : council.areaCode }));
  });

  groups.command("language", async (ctx) => {
    if (!(await adminOnly(ctx))) return;
    if (!(await councilByGroup(db, ctx.chat.id))) return ctx.reply(ctx.t("councils.not_linked"));
    await ctx.reply(ctx.t("councils.language_choose"), { reply_markup: new InlineKeyboard().text("ខ្មែរ", "cl:km").text("English", "cl:en") });
  });

  groups.callbackQuery(/^cl:(km|en)$/, async (ctx) => {
    if (!(await isGroupAdmin(ctx.api, ctx.chat.id, ctx.from.id))) return ctx.answerCallbackQuery({ text: ctx.t("councils.admins_only") });
    const lang = ctx.match[1] as Language;
    if (!(await setCouncilLanguage(db, ctx.chat.id, lang))) return ctx.answerCallbackQuery({ text: ctx.t("councils.not_linked") });
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(translator(lang)("councils.language_saved")).catch(() => {});
  });

  return {
    name: "councils",
    composer,
    onForget: detachLinkCodesFrom,
    commands: [
      { command: "linkcode", descriptionKey: "councils.cmd_linkcode", scope: "private", minRole: "staff" },
      { command: "link", descriptionKey: "councils.cmd_link", scope: "group" },
      { command: "unlink", descriptionKey: "councils.cmd_unlink", scope: "group" },
      { command: "language", descriptionKey: "councils.cmd_language", scope: "group" },
    ],
  };
}
