/**
 * The location picker: a reusable conversation step that lets a person find
 * their commune, province → district → commune on inline keyboards (8 per
 * page), or by typing a name at any level. One message is edited as they move.
 *
 *   const { commune, ctx: next, messageId } = await pickCommune(conversation, ctx, { db });
 *
 * Callback data (validated, anything else is "expired"):
 *   ap:top             the province list
 *   ap:o:<code>        the areas inside a province or district
 *   ap:pg:<code|->:<n> page n of that list ("-" for the provinces)
 *   ap:c:<code>        this commune
 */
import { InlineKeyboard } from "grammy";
import type { InlineKeyboardButton } from "grammy/types";
import type { MatiConversation, MatiConversationContext } from "../../bot/context.js";
import type { Database } from "../../db/client.js";
import { formatNumber, translator, type Language, type Translate } from "../../i18n.js";
import { classify, hintFor, repostScreen, retireScreen, showScreen, withHint, type ScreenContent } from "../ui/screen.js";
import { childAreas, findAreaWithPath, searchAreas, type Area, type AreaMatch, type AreaWithPath } from "./areas.js";
import { areaLabel, matchLabel, placeName } from "./names.js";
import { communeOfPerson, setCommuneOfPerson } from "./residence.js";

/** At most this many places on one keyboard page (small phones, big thumbs). */
export const PAGE_SIZE = 8;

export interface PickCommuneOptions {
  db: Database;
  /** A message to edit into the picker (e.g. the previous step's screen); a new one is sent otherwise. */
  messageId?: number;
  /** Open inside this province or district instead of at the province list. */
  startAt?: string;
  /** i18n key of a line shown above every step (e.g. "complaints.where_happened"). */
  introKey?: string;
  /** i18n key of a line shown above the first step only. */
  noteKey?: string;
  /** The language to speak; defaults to ctx.lang (pass it when the person chose it in this same update). */
  lang?: Language;
}

export interface PickedCommune {
  /** The commune, with its district and province in `path`. */
  commune: AreaWithPath;
  /** The update that chose it (any callback query already answered). */
  ctx: MatiConversationContext;
  /** The picker's message, to edit into the next step; undefined when the choice was typed (send a new one). */
  messageId: number | undefined;
}

type View =
  | { kind: "browse"; parent: AreaWithPath | null; children: readonly Area[]; page: number }
  | { kind: "results"; query: string; matches: AreaMatch[]; more: boolean; back: string | null };

export async function pickCommune(conversation: MatiConversation, ctx: MatiConversationContext, options: PickCommuneOptions): Promise<PickedCommune> {
  const { db } = options;
  const lang = options.lang ?? ctx.lang;
  const t = translator(lang);

  const browse = async (code: string | null, page = 0): Promise<View | undefined> => {
    const loaded = await conversation.external(async () => {
      const parent = code === null ? null : await findAreaWithPath(db, code);
      if (parent === undefined || (parent && parent.level !== "province" && parent.level !== "district")) return undefined;
      return { parent, children: await childAreas(db, code) };
    });
    if (!loaded || page < 0 || page >= pageCount(loaded.children.length)) return undefined;
    return { kind: "browse", ...loaded, page };
  };

  let view = (options.startAt ? await browse(options.startAt) : undefined) ?? (await browse(null))!;
  let note = options.noteKey ? t(options.noteKey) : undefined;
  let messageId = await showScreen(ctx, options.messageId, render(view, t, lang, options.introKey, note));

  for (;;) {
    const next = await conversation.wait();
    const incoming = await classify(next, messageId);
    if (incoming.kind === "ignore") continue;

    if (incoming.kind === "press") {
      const data = incoming.data;
      const choice = /^ap:c:([0-9]{6})$/.exec(data)?.[1];
      if (choice) {
        const commune = await conversation.external(() => findAreaWithPath(db, choice));
        if (commune?.level === "commune") {
          await next.answerCallbackQuery();
          return { commune, ctx: next, messageId };
        }
      }
      const target = data === "ap:top" ? { code: null, page: 0 } : parseOpen(data);
      const moved = target ? await browse(target.code, target.page) : undefined;
      if (!moved) {
        await next.answerCallbackQuery({ text: t("common.button_expired") });
        continue;
      }
      await next.answerCallbackQuery();
      view = moved;
      messageId = await showScreen(next, messageId, render(view, t, lang, options.introKey));
      continue;
    }

    if (incoming.kind === "text") {
      const query = incoming.text.trim().slice(0, 64);
      const found = await conversation.external(() => searchAreas(db, query, { limit: PAGE_SIZE + 1 }));
      const only = found.length === 1 ? found[0]! : undefined;
      if (only?.level === "commune") {
        await retireScreen(next, messageId);
        return { commune: only, ctx: next, messageId: undefined };
      }
      if (only) {
        view = (await browse(only.code))!;
        note = undefined;
      } else if (found.length > 1) {
        const back = view.kind === "browse" ? (view.parent?.code ?? null) : view.back;
        view = { kind: "results", query, matches: found.slice(0, PAGE_SIZE), more: found.length > PAGE_SIZE, back };
        note = undefined;
      } else {
        note = t("areas.not_found", { query });
      }
      messageId = await repostScreen(next, messageId, render(view, t, lang, options.introKey, note));
      continue;
    }

    // A sticker, a photo, a command, an old button: the step again, with a hint, under it.
    messageId = await repostScreen(next, messageId, withHint(hintFor(incoming, t), render(view, t, lang, options.introKey)));
  }
}

/**
 * The person's commune if they gave one already; otherwise asks for it with
 * the picker (saying why) and saves it. For conversations that need to know
 * where someone lives before going on (a rating, a complaint).
 */
export async function ensureCommune(conversation: MatiConversation, ctx: MatiConversationContext, options: PickCommuneOptions): Promise<PickedCommune> {
  const userId = ctx.user?.id;
  if (userId === undefined) throw new Error("ensureCommune needs a person (private chat)");
  const known = await conversation.external(() => communeOfPerson(options.db, userId));
  if (known) return { commune: known, ctx, messageId: options.messageId };
  const picked = await pickCommune(conversation, ctx, { introKey: "areas.where_first", ...options });
  await conversation.external(() => setCommuneOfPerson(options.db, userId, picked.commune.code));
  return picked;
}

function pageCount(items: number): number {
  return Math.max(1, Math.ceil(items / PAGE_SIZE));
}

function parseOpen(data: string): { code: string | null; page: number } | undefined {
  const open = /^ap:o:([0-9]{2}|[0-9]{4})$/.exec(data);
  if (open) return { code: open[1]!, page: 0 };
  const paged = /^ap:pg:(-|[0-9]{2}|[0-9]{4}):([0-9]{1,2})$/.exec(data);
  if (paged) return { code: paged[1] === "-" ? null : paged[1]!, page: Number(paged[2]) };
  return undefined;
}

/** Where "Back" goes from inside an area: its parent's list, or the provinces. */
function backData(parentCode: string | null): string {
  return parentCode ? `ap:o:${parentCode}` : "ap:top";
}

function render(view: View, t: Translate, lang: Language, introKey?: string, note?: string): ScreenContent {
  const lines: string[] = [];
  if (introKey) lines.push(t(introKey));
  if (note) lines.push(note);
  const rows: InlineKeyboardButton[][] = [];
  const button = (text: string, data: string) => InlineKeyboard.text(text, data);

  if (view.kind === "browse") {
    const { parent, children, page } = view;
    if (parent === null) lines.push(t("areas.choose_province"));
    else lines.push(t(parent.level === "province" ? "areas.choose_district" : "areas.choose_commune", { place: placeName(parent, lang) }));
    const pages = pageCount(children.length);
    if (pages > 1) lines.push(t("areas.page", { page: formatNumber(page + 1, lang), pages: formatNumber(pages, lang) }));
    lines.push(t("areas.type_hint"));

    const shown = children.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    for (let i = 0; i < shown.length; i += 2) {
      rows.push(shown.slice(i, i + 2).map((area) => button(areaLabel(area, lang), area.level === "commune" ? `ap:c:${area.code}` : `ap:o:${area.code}`)));
    }
    const listCode = parent?.code ?? "-";
    const paging = [];
    if (page > 0) paging.push(button("◀", `ap:pg:${listCode}:${page - 1}`));
    if (page < pages - 1) paging.push(button("▶", `ap:pg:${listCode}:${page + 1}`));
    if (paging.length) rows.push(paging);
    if (parent) rows.push([button(t("areas.back"), backData(parent.parentCode))]);
  } else {
    lines.push(t("areas.results", { query: view.query }));
    if (view.more) lines.push(t("areas.results_more"));
    lines.push(t("areas.type_hint"));
    for (const match of view.matches) {
      rows.push([button(matchLabel(match, lang), match.level === "commune" ? `ap:c:${match.code}` : `ap:o:${match.code}`)]);
    }
    rows.push([button(t("areas.back"), backData(view.back))]);
  }
  return { text: lines.join("\n\n"), keyboard: InlineKeyboard.from(rows) };
}
