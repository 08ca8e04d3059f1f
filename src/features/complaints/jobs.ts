/**
 * The complaint jobs of the notify queue: posting a complaint to its
 * council's group (and its photos, voice and pin), telling the citizen of
 * every change and question, relaying the citizen's words to the group, and
 * the overdue reminder with its escalation to the district. Every job loads
 * the current state when it runs, so a late or repeated job does no harm.
 */
import { UnrecoverableError } from "bullmq";
import type { Api } from "grammy";
import { InlineKeyboard } from "grammy";
import type { Redis } from "ioredis";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { complaints, users, type Complaint, type ComplaintEvent, type Council } from "../../db/schema/index.js";
import { asLanguage, formatNumber, translator, type Language } from "../../i18n.js";
import { complaintCategoryKey } from "../catalogue/complaint-categories.js";
import type { Queues } from "../../queue/queues.js";
import { sendRespectingTelegram, type JobHandler } from "../../queue/workers.js";
import { enqueueMessage } from "../notify/jobs.js";
import { markChatBlocked } from "../users/users.js";
import { findArea } from "../areas/areas.js";
import { councilForArea, councilName, unlinkGroup, type Area } from "../councils/councils.js";
import { communeAndDistrict, complaintById, councilToReach, eventById, lastCouncilStatusEvent } from "./complaints.js";
import { claimFollowUp, claimOverdueReminder, finished, followedUpStatuses, releaseFollowUp } from "./lifecycle.js";
import { age, councilKeyboard, councilMessage, followUpKeyboard, markupOrNone, type CouncilView } from "./render.js";

export const OVERDUE_AFTER_MS = 7 * 86_400_000;
/** How long after a council marks a complaint resolved its author is asked whether it is still fixed. */
export const FOLLOW_UP_AFTER_MS = 28 * 86_400_000;

export interface ComplaintJobDeps {
  db: Database;
  redis: Redis;
  queues: Queues;
  redisPrefix: string;
  timeZone: string;
}

type Attachment = "photos" | "voice" | "location";

/** Group ids are negative; job ids are kept to letters, digits and dashes. */
export const idPart = (n: number) => (n < 0 ? `m${-n}` : String(n));

// ── Enqueueing (ids are deterministic: BullMQ ignores a second add) ────────

/** The job that posts a complaint to its council's group (again, on another occasion: forwarded, the group gone…). */
function deliveryJob(complaintId: number, occasion: string) {
  return { name: "complaint-deliver", data: { complaintId }, opts: { jobId: `complaint-${complaintId}-deliver-${occasion}` } };
}

/** The job that reminds the council of a complaint not acknowledged within `delayMs`. */
function overdueJob(complaintId: number, delayMs: number) {
  return { name: "complaint-overdue", data: { complaintId }, opts: { jobId: overdueJobId(complaintId), delay: delayMs } };
}

export async function enqueueDelivery(queues: Queues, complaintId: number, occasion: string): Promise<void> {
  const job = deliveryJob(complaintId, occasion);
  await queues.notify.add(job.name, job.data, job.opts);
}

/** A complaint just filed: its delivery and its overdue check, in one round trip to Redis. */
export async function enqueueFiled(queues: Queues, complaintId: number, overdueAfterMs: number): Promise<void> {
  await queues.notify.addBulk([deliveryJob(complaintId, "filed"), overdueJob(complaintId, overdueAfterMs)]);
}

export async function enqueueTellCitizen(queues: Queues, eventId: number): Promise<void> {
  await queues.notify.add("complaint-tell-citizen", { eventId }, { jobId: `complaint-event-${eventId}-citizen` });
}

export async function enqueueTellCouncil(queues: Queues, eventId: number): Promise<void> {
  await queues.notify.add("complaint-tell-council", { eventId }, { jobId: `complaint-event-${eventId}-council` });
}

function overdueJobId(complaintId: number): string {
  return `complaint-${complaintId}-overdue`;
}

/** A new overdue check in `delayMs`, in place of any still waiting. */
export async function scheduleOverdueCheck(queues: Queues, complaintId: number, delayMs: number): Promise<void> {
  await cancelOverdueCheck(queues, complaintId);
  const job = overdueJob(complaintId, delayMs);
  await queues.notify.add(job.name, job.data, job.opts);
}

/** Acknowledged (or otherwise answered): no reminder. An active job cannot be removed; it re-checks the status. */
export async function cancelOverdueCheck(queues: Queues, complaintId: number): Promise<void> {
  await queues.notify.remove(overdueJobId(complaintId)).catch(() => 0);
}

function followUpJobId(complaintId: number): string {
  return `complaint-${complaintId}-followup`;
}

/**
 * The one "is it still fixed?" question, FOLLOW_UP_AFTER_MS after the
 * resolution; a later resolution (after a reopen) replaces the earlier job.
 * Tests pass a short delay.
 */
export async function scheduleFollowUp(queues: Queues, complaintId: number, delayMs = FOLLOW_UP_AFTER_MS): Promise<void> {
  await queues.notify.remove(followUpJobId(complaintId)).catch(() => 0);
  await queues.notify.add("complaint-follow-up", { complaintId }, { jobId: followUpJobId(complaintId), delay: delayMs });
}

// ── Shared reading ─────────────────────────────────────────────────────────

export async function councilView(db: Database, complaint: Complaint): Promise<CouncilView> {
  const place = await communeAndDistrict(db, complaint.communeCode);
  const lastStatus = await lastCouncilStatusEvent(db, complaint.id);
  let forwardedFrom: CouncilView["forwardedFrom"];
  if (complaint.status === "forwarded" && lastStatus?.toStatus === "forwarded" && lastStatus.councilAreaCode) {
    const area = await findArea(db, lastStatus.councilAreaCode);
    if (area) forwardedFrom = { area, note: lastStatus.note ?? "" };
  }
  return { complaint, place, ...(lastStatus ? { lastStatus } : {}), ...(forwardedFrom ? { forwardedFrom } : {}) };
}

async function areaOf(db: Database, code: string | null): Promise<Area | undefined> {
  return code ? findArea(db, code) : undefined;
}

async function citizenOf(db: Database, complaint: Complaint) {
  if (!complaint.userId) return undefined;
  const [user] = await db.select().from(users).where(eq(users.id, complaint.userId));
  return user?.telegramId ? { telegramId: user.telegramId, lang: asLanguage(user.language), blocked: user.blockedBot } : undefined;
}

/** The council's group the complaint sits in now, when its message is there. */
async function postedCouncil(db: Database, complaint: Complaint): Promise<Council | undefined> {
  if (!complaint.councilAreaCode || !complaint.groupChatId || !complaint.groupMessageId) return undefined;
  const council = await councilForArea(db, complaint.councilAreaCode);
  return council?.groupChatId === complaint.groupChatId ? council : undefined;
}

// ── Handlers ───────────────────────────────────────────────────────────────

export function complaintJobHandlers(deps: ComplaintJobDeps, api: Api): Record<string, JobHandler> {
  const { db, redis, queues, timeZone } = deps;

  /** The bot was removed from a council's group: the council is unlinked and the complaint re-routed. */
  const groupGone = (chatId: number, complaintId?: number) => async () => {
    await unlinkGroup(db, chatId);
    if (complaintId) await enqueueDelivery(queues, complaintId, `gone-${idPart(chatId)}`);
  };

  const sendToCitizen = async (worker: Parameters<JobHandler>[1], chatId: number, text: string, keyboard?: InlineKeyboard) =>
    sendRespectingTelegram(worker, () => api.sendMessage(chatId, text, keyboard ? { reply_markup: keyboard } : {}), () => markChatBlocked(db, chatId));

  return {
    "complaint-deliver": async (job, worker) => {
      const { complaintId } = job.data as { complaintId: number };
      // One delivery at a time per complaint (a filing and a /link may race).
      const lock = `${deps.redisPrefix}:complaint-deliver:${complaintId}`;
      if ((await redis.set(lock, String(job.id), "PX", 60_000, "NX")) !== "OK") throw new Error("delivery in progress; retry");
      try {
        const complaint = await complaintById(db, complaintId);
        if (!complaint || finished.includes(complaint.status)) return { skipped: "finished" };
        const council = await councilToReach(db, complaint);
        if (!council?.groupChatId) return { waiting: true };
        if (complaint.groupChatId === council.groupChatId && complaint.groupMessageId) return { skipped: "already posted" };
        const lang = council.language;
        const t = translator(lang);
        const owned = { ...complaint, councilAreaCode: council.areaCode, groupChatId: council.groupChatId };
        const text = councilMessage(await councilView(db, owned), lang, t, timeZone);
        const chatId = council.groupChatId;
        const sent = await sendRespectingTelegram(
          worker,
          () => api.sendMessage(chatId, text, markupOrNone(councilKeyboard(complaint, t))),
          groupGone(chatId, complaint.id),
        );
        await db
          .update(complaints)
          .set({ councilAreaCode: council.areaCode, groupChatId: chatId, groupMessageId: sent.message_id, updatedAt: new Date() })
          .where(eq(complaints.id, complaint.id));
        const attachments: Attachment[] = [];
        if (complaint.photoFileIds.length) attachments.push("photos");
        if (complaint.voiceFileId) attachments.push("voice");
        if (complaint.latitude !== null && complaint.longitude !== null) attachments.push("location");
        for (const what of attachments) {
          await queues.notify.add(
            "complaint-attachment",
            { complaintId, chatId, replyTo: sent.message_id, what },
            { jobId: `complaint-${complaintId}-${what}-${idPart(chatId)}-${sent.message_id}` },
          );
        }
        await queues.notify.add(
          "complaint-delivered",
          { complaintId, councilAreaCode: council.areaCode },
          { jobId: `complaint-${complaintId}-delivered-${council.areaCode}` },
        );
        return { chatId, messageId: sent.message_id };
      } finally {
        await redis.del(lock);
      }
    },

    "complaint-attachment": async (job, worker) => {
      const { complaintId, chatId, replyTo, what } = job.data as { complaintId: number; chatId: number; replyTo: number; what: Attachment };
      const complaint = await complaintById(db, complaintId);
      if (!complaint) return;
      const reply_parameters = { message_id: replyTo, allow_sending_without_reply: true };
      const gone = groupGone(chatId);
      if (what === "photos" && complaint.photoFileIds.length === 1) {
        await sendRespectingTelegram(worker, () => api.sendPhoto(chatId, complaint.photoFileIds[0]!, { reply_parameters }), gone);
      } else if (what === "photos" && complaint.photoFileIds.length > 1) {
        const media = complaint.photoFileIds.map((id) => ({ type: "photo" as const, media: id }));
        await sendRespectingTelegram(worker, () => api.sendMediaGroup(chatId, media, { reply_parameters }), gone);
      } else if (what === "voice" && complaint.voiceFileId) {
        await sendRespectingTelegram(worker, () => api.sendVoice(chatId, complaint.voiceFileId!, { reply_parameters }), gone);
      } else if (what === "location" && complaint.latitude !== null && complaint.longitude !== null) {
        await sendRespectingTelegram(worker, () => api.sendLocation(chatId, complaint.latitude!, complaint.longitude!, { reply_parameters }), gone);
      }
    },

    "complaint-delivered": async (job, worker) => {
      const { complaintId, councilAreaCode } = job.data as { complaintId: number; councilAreaCode: string };
      const complaint = await complaintById(db, complaintId);
      const citizen = complaint && (await citizenOf(db, complaint));
      const area = await areaOf(db, councilAreaCode);
      if (!complaint || !citizen || !area) return;
      const t = translator(citizen.lang);
      await sendToCitizen(worker, citizen.telegramId, t("complaints.tell_delivered", { reference: complaint.reference, council: councilName(area, citizen.lang) }));
    },

    "complaint-tell-citizen": async (job, worker) => {
      const event = await eventById(db, (job.data as { eventId: number }).eventId);
      const complaint = event && (await complaintById(db, event.complaintId));
      const citizen = complaint && (await citizenOf(db, complaint));
      if (!event || !complaint || !citizen) return { skipped: true };
      const { text, keyboard } = await citizenNotice(db, event, complaint, citizen.lang);
      await sendToCitizen(worker, citizen.telegramId, text, keyboard);
    },

    "complaint-tell-council": async (job, worker) => {
      const event = await eventById(db, (job.data as { eventId: number }).eventId);
      const complaint = event && (await complaintById(db, event.complaintId));
      const council = complaint && (await postedCouncil(db, complaint));
      if (!event || !complaint || !council) return { skipped: true };
      const lang = council.language;
      const t = translator(lang);
      const who = complaint.anonymous || !complaint.reporterName ? t("complaints.g_who_anonymous") : complaint.reporterName;
      const note = event.note ?? "";
      const text =
        event.kind === "answer" ? t("complaints.g_answer", { who, reference: complaint.reference, note })
        : event.kind === "info" ? t("complaints.g_info", { who, reference: complaint.reference, note })
        : event.toStatus === "closed" ? t("complaints.g_closed", { reference: complaint.reference })
        : t("complaints.g_reopened", { reference: complaint.reference, note });
      const chatId = council.groupChatId!;
      if (event.kind === "status") {
        // The thread's first message shows the current status and buttons.
        const body = councilMessage(await councilView(db, complaint), lang, t, timeZone);
        await api
          .editMessageText(chatId, complaint.groupMessageId!, body, markupOrNone(councilKeyboard(complaint, t)))
          .catch((err: unknown) => {
            if (!/not modified|not found/.test(String((err as Error).message))) throw err;
          });
      }
      await sendRespectingTelegram(
        worker,
        () => api.sendMessage(chatId, text, { reply_parameters: { message_id: complaint.groupMessageId!, allow_sending_without_reply: true } }),
        groupGone(chatId),
      );
    },

    "complaint-follow-up": async (job, worker) => {
      const { complaintId } = job.data as { complaintId: number };
      const current = await complaintById(db, complaintId);
      if (!current || !followedUpStatuses.includes(current.status)) return { skipped: "not resolved" };
      if (current.followUpAskedAt) return { skipped: "already asked" };
      const author = await citizenOf(db, current);
      if (!author || author.blocked) return { skipped: "author gone" };
      const claim = await claimFollowUp(db, complaintId);
      if (!claim) return { skipped: "already asked" };
      const { text, keyboard } = await followUpQuestion(db, claim.complaint, author.lang);
      try {
        await sendToCitizen(worker, author.telegramId, text, keyboard);
      } catch (err) {
        // A passing failure (429, 5xx, network): the retry asks. Blocked or refused for good: asked, unheard.
        if (!(err instanceof UnrecoverableError)) await releaseFollowUp(db, claim);
        throw err;
      }
      return { asked: true };
    },

    "complaint-overdue": async (job) => {
      const { complaintId } = job.data as { complaintId: number };
      const current = await complaintById(db, complaintId);
      if (!current || current.status !== "new") return { skipped: "answered" };
      const council = await postedCouncil(db, current);
      if (!council) return { skipped: "not delivered" };
      const complaint = await claimOverdueReminder(db, complaintId);
      if (!complaint) return { skipped: "already reminded" };
      const t = translator(council.language);
      await enqueueMessage(
        queues,
        {
          chatId: council.groupChatId!,
          text: t("complaints.g_overdue", { reference: complaint.reference, age: age(complaint.createdAt, new Date(), t) }),
          replyToMessageId: complaint.groupMessageId!,
        },
        `complaint-${complaintId}-overdue-remind`,
      );
      // Escalation goes one level up: a commune council's district, when linked.
      const area = await areaOf(db, council.areaCode);
      const district = area?.level === "commune" && area.parentCode ? await councilForArea(db, area.parentCode) : undefined;
      if (!district?.groupChatId || !area) return { reminded: true, escalated: false };
      const dt = translator(district.language);
      const body = councilMessage(await councilView(db, complaint), district.language, dt, timeZone);
      await enqueueMessage(
        queues,
        {
          chatId: district.groupChatId,
          text: `${dt("complaints.g_escalated", { council: councilName(area, district.language), reference: complaint.reference, age: age(complaint.createdAt, new Date(), dt) })}\n\n${body}`,
        },
        `complaint-${complaintId}-overdue-escalate`,
      );
      return { reminded: true, escalated: true };
    },
  };
}

/** "Four weeks ago the council said … was resolved. Is it still fixed?" with Yes / No (callback data fu:y|n:<id>). */
export async function followUpQuestion(db: Database, complaint: Complaint, lang: Language): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const t = translator(lang);
  const area = await areaOf(db, complaint.councilAreaCode);
  return {
    text: t("complaints.follow_up_question", {
      weeks: formatNumber(Math.round(FOLLOW_UP_AFTER_MS / (7 * 86_400_000)), lang),
      council: area ? councilName(area, lang) : t("complaints.the_council"),
      reference: complaint.reference,
      category: t(complaintCategoryKey(complaint.category)),
    }),
    keyboard: followUpKeyboard(complaint, t),
  };
}

/** What the citizen is told about one event, in their language, with the buttons to answer. */
export async function citizenNotice(
  db: Database,
  event: ComplaintEvent,
  complaint: Complaint,
  lang: Language,
): Promise<{ text: string; keyboard?: InlineKeyboard }> {
  const t = translator(lang);
  const area = await areaOf(db, event.councilAreaCode ?? complaint.councilAreaCode);
  const council = area ? councilName(area, lang) : t("complaints.the_council");
  const base = { reference: complaint.reference, council, note: event.note ?? "" };
  if (event.kind === "question") {
    return { text: t("complaints.tell_question", base), keyboard: new InlineKeyboard().text(t("complaints.button_answer"), `mc:ans:${complaint.id}`) };
  }
  switch (event.toStatus) {
    case "resolved":
      return {
        text: t("complaints.tell_resolved", base),
        keyboard: new InlineKeyboard().text(t("complaints.button_solved"), `mc:ok:${complaint.id}`).text(t("complaints.button_not_solved"), `mc:re:${complaint.id}`),
      };
    case "forwarded": {
      const target = await areaOf(db, complaint.councilAreaCode);
      return { text: t("complaints.tell_forwarded", { ...base, target: target ? councilName(target, lang) : t("complaints.the_council") }) };
    }
    default:
      return { text: t(`complaints.tell_${event.toStatus}`, base) };
  }
}
