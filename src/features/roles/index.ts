/**
 * /grant, /revoke and /invite for staff and admins, and the volunteer invite
 * deep link (/start v_<token>). Features run before onboarding, so this
 * composer sees /start first and passes on every other payload.
 */
import { Composer, InlineKeyboard, type Filter } from "grammy";
import type { MatiContext } from "../../bot/context.js";
import type { Feature } from "../../bot/feature.js";
import type { User } from "../../db/schema/index.js";
import { formatDate, fromKhmerDigits, translator, type Language } from "../../i18n.js";
import type { FeatureDeps } from "../index.js";
import { communeName } from "../rating/ratings.js";
import { hasRole } from "../users/users.js";
import {
  createVolunteerInvite,
  findPerson,
  grantRole,
  redeemVolunteerInvite,
  revokeRole,
  detachRolesFrom,
  unknownCommunes,
  type PersonRef,
  type RoleChange,
} from "./roles.js";

type CommandContext = Filter<MatiContext, "message">;

/** "Sokha (@sokha)" — how staff recognise the person. */
function displayName(user: User): string {
  const name = user.firstName ?? String(user.telegramId ?? user.id);
  return user.username ? `${name} (@${user.username})` : name;
}

/**
 * The person a command is about: the sender of the message it replies to
 * (typically a message of theirs forwarded to the bot), else the first word:
 * a Telegram id or an @username.
 */
function targetOf(ctx: CommandContext, words: string[]): { ref?: PersonRef; hidden?: true; rest: string[] } {
  const replied = ctx.message.reply_to_message;
  if (replied) {
    const origin = replied.forward_origin;
    if (origin?.type === "user") return { ref: { telegramId: origin.sender_user.id }, rest: words };
    if (origin?.type === "hidden_user") return { hidden: true, rest: words };
    if (replied.from && !replied.from.is_bot && replied.from.id !== ctx.from.id) return { ref: { telegramId: replied.from.id }, rest: words };
  }
  const [first, ...rest] = words;
  if (first && /^@[A-Za-z][A-Za-z0-9_]{3,31}$/.test(first)) return { ref: { username: first.slice(1) }, rest };
  if (first && /^\d{5,15}$/.test(first)) return { ref: { telegramId: Number(first) }, rest };
  return { rest: words };
}

const wordsOf = (text: string) => fromKhmerDigits(text).split(/\s+/).filter(Boolean);

export function rolesFeature(deps: FeatureDeps): Feature {
  const { db, config } = deps;

  async function communeList(codes: readonly string[], lang: Language): Promise<string> {
    const names = [];
    for (const code of codes) names.push(await communeName(db, code, lang));
    return names.join(", ");
  }

  /** Tells the person whose role changed, in their language; a blocked bot is not an error here. */
  async function tell(ctx: MatiContext, user: User, key: string, vars: Record<string, unknown> = {}, keyboard?: InlineKeyboard) {
    if (!user.telegramId) return;
    // Their "/" menu follows their role.
    await deps.commandMenus.showFor(ctx.api, user).catch(() => {});
    const lang = user.language ?? "km";
    const text = translator(lang)(key, { ...vars, ...(vars.codes ? { communes: await communeList(vars.codes as string[], lang) } : {}) });
    await ctx.api.sendMessage(user.telegramId, text, keyboard ? { reply_markup: keyboard } : {}).catch(() => {});
  }

  async function refusal(ctx: MatiContext, result: Extract<RoleChange, { ok: false }>, target?: User) {
    const vars = { codes: result.codes?.join(", "), name: target ? displayName(target) : "" };
    await ctx.reply(ctx.t(`roles.${result.reason}`, vars));
  }

  const recordButton = (lang: Language) => new InlineKeyboard().text(translator(lang)("volunteers.menu"), "menu:interview");

  const composer = new Composer<MatiContext>();
  const privateChat = composer.chatType("private");

  privateChat.command("start", async (ctx, next) => {
    const payload = ctx.match.trim();
    if (!payload.startsWith("v_") || !ctx.user) return next();
    const result = await redeemVolunteerInvite(db, { token: payload.slice(2), user: ctx.user });
    if (!result.ok) {
      await ctx.reply(ctx.t(`roles.invite_${result.reason}`));
      return;
    }
    const role = hasRole(ctx.user, "volunteer") ? ctx.user.role : "volunteer";
    await deps.commandMenus.showFor(ctx.api, { telegramId: ctx.user.telegramId, role }).catch(() => {});
    await ctx.reply(ctx.t("roles.you_are_volunteer", { communes: await communeList(result.communeCodes, ctx.lang) }), {
      reply_markup: recordButton(ctx.lang),
    });
  });

  privateChat.command("grant", async (ctx) => {
    const actor = ctx.user;
    if (!hasRole(actor, "staff")) return void (await ctx.reply(ctx.t("roles.not_allowed")));
    const [role, ...words] = wordsOf(ctx.match);
    if (role !== "staff" && role !== "volunteer") return void (await ctx.reply(ctx.t("roles.grant_usage")));
    if (role === "staff" && !hasRole(actor, "admin")) return void (await ctx.reply(ctx.t("roles.admin_only")));
    const { ref, hidden, rest } = targetOf(ctx, words);
    if (hidden) return void (await ctx.reply(ctx.t("roles.hidden_forward")));
    if (!ref) return void (await ctx.reply(ctx.t("roles.grant_usage")));
    const target = await findPerson(db, ref);
    if (!target) return void (await ctx.reply(ctx.t("roles.unknown_person")));
    const result = await grantRole(db, { actor: actor!, target, role, communeCodes: rest });
    if (!result.ok) return refusal(ctx, result, target);
    if (role === "staff") {
      await ctx.reply(ctx.t("roles.granted_staff", { name: displayName(target) }));
      await tell(ctx, result.user, "roles.you_are_staff");
    } else {
      await ctx.reply(ctx.t("roles.granted_volunteer", { name: displayName(target), communes: await communeList(rest, ctx.lang) }));
      await tell(ctx, result.user, "roles.you_are_volunteer", { codes: rest }, recordButton(result.user.language ?? "km"));
    }
  });

  privateChat.command("revoke", async (ctx) => {
    const actor = ctx.user;
    if (!hasRole(actor, "staff")) return void (await ctx.reply(ctx.t("roles.not_allowed")));
    const { ref, hidden } = targetOf(ctx, wordsOf(ctx.match));
    if (hidden) return void (await ctx.reply(ctx.t("roles.hidden_forward")));
    if (!ref) return void (await ctx.reply(ctx.t("roles.revoke_usage")));
    const target = await findPerson(db, ref);
    if (!target) return void (await ctx.reply(ctx.t("roles.unknown_person")));
    const result = await revokeRole(db, { actor: actor!, target });
    if (!result.ok) return refusal(ctx, result, target);
    await ctx.reply(ctx.t("roles.revoked", { name: displayName(target) }));
    await tell(ctx, result.user, "roles.you_were_revoked");
  });

  privateChat.command("invite", async (ctx) => {
    const actor = ctx.user;
    if (!hasRole(actor, "staff")) return void (await ctx.reply(ctx.t("roles.not_allowed")));
    const codes = [...new Set(wordsOf(ctx.match))];
    if (codes.length === 0) return void (await ctx.reply(ctx.t("roles.invite_usage")));
    const unknown = await unknownCommunes(db, codes);
    if (unknown.length) return void (await ctx.reply(ctx.t("roles.unknown_communes", { codes: unknown.join(", ") })));
    const { token, expiresAt } = await createVolunteerInvite(db, { actor: actor!, communeCodes: codes });
    await ctx.reply(
      ctx.t("roles.invite_created", {
        link: `https://t.me/${ctx.me.username}?start=v_${token}`,
        date: formatDate(expiresAt, ctx.lang, config.TIMEZONE),
        communes: await communeList(codes, ctx.lang),
      }),
      { link_preview_options: { is_disabled: true } },
    );
  });

  return {
    name: "roles",
    composer,
    onForget: detachRolesFrom,
    commands: [
      { command: "grant", descriptionKey: "roles.command_grant", scope: "private", minRole: "staff" },
      { command: "revoke", descriptionKey: "roles.command_revoke", scope: "private", minRole: "staff" },
      { command: "invite", descriptionKey: "roles.command_invite", scope: "private", minRole: "staff" },
    ],
  };
}
