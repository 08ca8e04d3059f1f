/**
 * Sending one council's digest for one period, exactly once. The
 * digest_deliveries row is claimed before anything is sent (its unique key
 * decides between two workers, a restart and a catch-up); each part that
 * reaches the group is recorded, so a retry after a passing failure sends only
 * what is missing; a group that removed or blocked the bot (403) is recorded,
 * unlinked and not tried again.
 *
 * At most once: a process that dies between the claim and the send leaves the
 * row "claimed" and that week's digest is not sent to that group (staff can
 * see it in the table and send it with /digest). A duplicate in the group is
 * the worse failure for a council.
 */
import { and, eq, inArray, isNotNull, lte, sql } from "drizzle-orm";
import { InputFile, type Api } from "grammy";
import type { Message } from "grammy/types";
import type { Database } from "../../db/client.js";
import { areas, councils, digestDeliveries, type Council, type DigestDelivery } from "../../db/schema/index.js";
import { translator, type Language } from "../../i18n.js";
import { councilName, unlinkGroup } from "../councils/councils.js";
import { computeDigest, type CouncilArea, type DigestFigures } from "./compute.js";
import { renderDigestChart } from "./chart.js";
import type { Periods } from "./period.js";
import { renderDigestText, type DigestSection } from "./render.js";

/**
 * Extension point for other features' lines in the digest, e.g. the forums
 * feature's "upcoming forums in the area". Wired in features/index.ts.
 */
export type DigestSections = (area: CouncilArea, periods: Periods, lang: Language) => Promise<DigestSection[]>;

export interface Digest {
  figures: DigestFigures;
  text: string;
  chart: Buffer;
}

/** Figures, text and chart of one council's area for one pair of periods, in one language. */
export async function buildDigest(
  db: Database,
  area: CouncilArea,
  periods: Periods,
  lang: Language,
  options: { timeZone: string; sections?: DigestSections; figures?: DigestFigures },
): Promise<Digest> {
  // The weekly run computes every council's figures in one pass and hands each job its own.
  const figures = options.figures ?? (await computeDigest(db, area, periods));
  const sections = options.sections ? await options.sections(area, periods, lang) : [];
  return {
    figures,
    text: renderDigestText(figures, lang, { timeZone: options.timeZone, sections }),
    chart: await renderDigestChart(figures, lang, options.timeZone),
  };
}

export async function councilArea(db: Database, code: string): Promise<CouncilArea | undefined> {
  return (await councilAreas(db, [code]))[0];
}

/** The areas of these codes that can have a council (communes and districts). */
export async function councilAreas(db: Database, codes: string[]): Promise<CouncilArea[]> {
  if (codes.length === 0) return [];
  return db
    .select()
    .from(areas)
    .where(and(inArray(areas.code, codes), inArray(areas.level, ["commune", "district"])))
    .orderBy(areas.code);
}

export async function deliveryFor(db: Database, councilAreaCode: string, periodKey: string): Promise<DigestDelivery | undefined> {
  const [row] = await db
    .select()
    .from(digestDeliveries)
    .where(and(eq(digestDeliveries.councilAreaCode, councilAreaCode), eq(digestDeliveries.periodStart, periodKey)))
    .limit(1);
  return row;
}

/**
 * Claims the delivery: a new row, or one a passing failure left as "retry".
 * Undefined: someone else has it, or it is done (sent, blocked, failed).
 */
export async function claimDelivery(db: Database, councilAreaCode: string, periodKey: string, groupChatId: number): Promise<DigestDelivery | undefined> {
  const [row] = await db
    .insert(digestDeliveries)
    .values({ councilAreaCode, periodStart: periodKey, groupChatId })
    .onConflictDoUpdate({
      target: [digestDeliveries.councilAreaCode, digestDeliveries.periodStart],
      set: { status: "claimed", attempts: sql`${digestDeliveries.attempts} + 1`, updatedAt: new Date() },
      setWhere: sql`${digestDeliveries.status} = 'retry' and ${digestDeliveries.groupChatId} = ${groupChatId}`,
    })
    .returning();
  return row;
}

async function setDelivery(db: Database, id: number, fields: Partial<typeof digestDeliveries.$inferInsert>): Promise<void> {
  await db.update(digestDeliveries).set({ ...fields, updatedAt: new Date() }).where(eq(digestDeliveries.id, id));
}

/** How a send is made: inside a job with Telegram's rules (queue/workers.ts), or directly from the shell. */
export type Sender = <T>(send: () => Promise<T>, onBlocked: (description: string) => Promise<void>) => Promise<T>;

/** A refusal that is final: the delivery is marked failed instead of retry. */
export type IsFinal = (err: unknown) => boolean;

export type DeliveryOutcome =
  | { sent: true; deliveryId: number; textMessageId: number; chartMessageId: number }
  | { sent: false; reason: "not_linked" | "not_a_council" | "already" | "blocked" };

export interface DeliverOptions {
  db: Database;
  api: Api;
  send: Sender;
  isFinal: IsFinal;
  timeZone: string;
  sections?: DigestSections;
}

/** Sends the digest of `councilAreaCode` for `periods` to its group, once (with its figures when already computed). */
export async function deliverDigest(options: DeliverOptions, councilAreaCode: string, periods: Periods, figures?: DigestFigures): Promise<DeliveryOutcome> {
  const { db, api, send } = options;
  const [council] = await db.select().from(councils).where(eq(councils.areaCode, councilAreaCode)).limit(1);
  if (!council?.groupChatId) return { sent: false, reason: "not_linked" };
  const area = await councilArea(db, councilAreaCode);
  if (!area) return { sent: false, reason: "not_a_council" };
  const chatId = council.groupChatId;
  const row = await claimDelivery(db, councilAreaCode, periods.current.key, chatId);
  if (!row) return { sent: false, reason: "already" };

  let blocked = false;
  const onBlocked = async (description: string) => {
    blocked = true;
    await setDelivery(db, row.id, { status: "blocked", error: description });
    await unlinkGroup(db, chatId);
  };
  try {
    const lang = council.language;
    const digest = await buildDigest(db, area, periods, lang, { timeZone: options.timeZone, sections: options.sections, figures });
    let textMessageId = row.textMessageId;
    if (textMessageId === null) {
      const message: Message = await send(() => api.sendMessage(chatId, digest.text), onBlocked);
      textMessageId = message.message_id;
      await setDelivery(db, row.id, { textMessageId });
    }
    let chartMessageId = row.chartMessageId;
    if (chartMessageId === null) {
      const caption = translator(lang)("digest.chart_caption", { council: councilName(area, lang) });
      const photo: Message = await send(
        () =>
          api.sendPhoto(chatId, new InputFile(digest.chart, `digest-${councilAreaCode}-${periods.current.key}.png`), {
            caption,
            reply_parameters: { message_id: textMessageId!, allow_sending_without_reply: true },
          }),
        onBlocked,
      );
      chartMessageId = photo.message_id;
    }
    await setDelivery(db, row.id, { chartMessageId, status: "sent", sentAt: new Date(), error: null });
    return { sent: true, deliveryId: row.id, textMessageId, chartMessageId };
  } catch (err) {
    if (blocked) throw err;
    const final = options.isFinal(err);
    await setDelivery(db, row.id, { status: final ? "failed" : "retry", error: String((err as Error).message ?? err).slice(0, 500) });
    throw err;
  }
}

/**
 * Councils that should receive the digest of the period starting `periodKey`:
 * linked (at or before `linkedBy`: a group linked after the run waits for the
 * next one) and not yet claimed for that period.
 */
export async function councilsDue(db: Database, periodKey: string, linkedBy: Date): Promise<Pick<Council, "areaCode">[]> {
  return db
    .select({ areaCode: councils.areaCode })
    .from(councils)
    .where(
      and(
        isNotNull(councils.groupChatId),
        lte(councils.linkedAt, linkedBy),
        sql`not exists (select 1 from ${digestDeliveries} d where d.council_area_code = ${councils.areaCode} and d.period_start = ${periodKey})`,
      ),
    )
    .orderBy(councils.areaCode);
}
