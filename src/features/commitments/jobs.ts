/**
 * The commitments' queued work. Every job loads the commitment when it runs
 * and checks it is still what the job was for, so a late, repeated or
 * superseded job does no harm.
 *
 *   notify    commitment-post       posting to the council's group (waits while none is linked)
 *             commitment-refresh    the group's message redrawn (answers reached a milestone)
 *   reminders commitment-reminder   commitment-<id>-due-<offset> and commitment-<id>-overdue,
 *                                   delayed; rescheduled when the due date changes
 *             commitment-verify-close  when citizens can no longer answer: the final figures
 *
 * Messages go through the notify queue's send-message with deterministic ids,
 * so a retried job sends nothing twice.
 */
import type { Api } from "grammy";
import { eq } from "drizzle-orm";
import { users, type Commitment, type Council } from "../../db/schema/index.js";
import { asLanguage, formatNumber, translator } from "../../i18n.js";
import type { Queues } from "../../queue/queues.js";
import { sendRespectingTelegram, type JobHandler } from "../../queue/workers.js";
import { startBroadcast, type EngineDeps } from "../broadcast/engine.js";
import { idPart } from "../complaints/jobs.js";
import { councilForArea, councilName, unlinkGroup } from "../councils/councils.js";
import { describeOffset } from "../forums/time.js";
import { enqueueMessage, type MessageJob } from "../notify/jobs.js";
import { dueReminderOffsets, TALLY_MILESTONES } from "./catalogue.js";
import { commitmentById, commitmentsAwaitingGroup, evidencePhotos, recordPosting, verificationClosesAt, verificationKey } from "./commitments.js";
import { commitmentView, councilKeyboard, councilMessage, dueText, tallyText, verificationContent } from "./render.js";
import { dueSoonAt, overdueAt } from "./schedule.js";

export type CommitmentDeps = EngineDeps;

const keep = { removeOnComplete: { age: 30 * 86_400 }, removeOnFail: { age: 30 * 86_400 }, attempts: 5, backoff: { type: "exponential" as const, delay: 5_000 } };

// ── Posting ─────────────────────────────────────────────────────────────────

export async function enqueuePosting(queues: Queues, commitmentId: number, occasion = "recorded"): Promise<void> {
  await queues.notify.add("commitment-post", { commitmentId }, { jobId: `commitment-${commitmentId}-post-${occasion}` });
}

/** A council's group was just linked: its open commitments are posted there. */
export async function postWaitingCommitments(queues: Queues, db: EngineDeps["db"], council: Council): Promise<number> {
  if (!council.groupChatId) return 0;
  const waiting = await commitmentsAwaitingGroup(db, council.areaCode, council.groupChatId);
  for (const c of waiting) await enqueuePosting(queues, c.id, `link-${council.id}-${council.linkedAt?.getTime() ?? 0}`);
  return waiting.length;
}

/** The council's group, if the commitment's message is there now. */
async function postedCouncil(deps: CommitmentDeps, commitment: Commitment): Promise<Council | undefined> {
  if (!commitment.groupChatId || !commitment.groupMessageId) return undefined;
  const council = await councilForArea(deps.db, commitment.councilAreaCode);
  return council?.groupChatId === commitment.groupChatId ? council : undefined;
}

/** A message in the council's group, as a reply under the commitment's own; `key` makes it go once. */
export async function replyInGroup(
  queues: Queues,
  council: Council,
  commitment: Commitment,
  text: string,
  key: string,
  replyMarkup?: MessageJob["replyMarkup"],
): Promise<void> {
  await enqueueMessage(queues, { chatId: council.groupChatId!, text, replyToMessageId: commitment.groupMessageId!, ...(replyMarkup ? { replyMarkup } : {}) }, `commitment-${commitment.id}-${key}`);
}

// ── Reminders ───────────────────────────────────────────────────────────────

export const dueJobId = (commitmentId: number, offset: string) => `commitment-${commitmentId}-due-${offset}`;
export const overdueJobId = (commitmentId: number) => `commitment-${commitmentId}-overdue`;
export const verifyCloseJobId = (commitmentId: number) => `commitment-${commitmentId}-verify-close`;

interface ReminderJob {
  commitmentId: number;
  kind: "due" | "overdue";
  offset?: string;
  /** The due date the reminder was scheduled for: after a change, an old job stays silent. */
  dueOn: string;
}

export async function removeCommitmentReminders(queues: Queues, commitmentId: number): Promise<void> {
  for (const offset of dueReminderOffsets) await queues.reminders.remove(dueJobId(commitmentId, offset)).catch(() => 0);
  await queues.reminders.remove(overdueJobId(commitmentId)).catch(() => 0);
}

/** One delayed job per reminder; existing ones are removed first (a new due date keeps the same ids). */
export async function scheduleCommitmentReminders(queues: Queues, commitment: Commitment, timeZone: string, now = Date.now()): Promise<string[]> {
  await removeCommitmentReminders(queues, commitment.id);
  if (commitment.status === "done") return [];
  const planned: { jobId: string; at: Date; data: ReminderJob }[] = dueReminderOffsets.map((offset) => ({
    jobId: dueJobId(commitment.id, offset),
    at: dueSoonAt(commitment.dueOn, offset, timeZone)!,
    data: { commitmentId: commitment.id, kind: "due", offset, dueOn: commitment.dueOn },
  }));
  planned.push({ jobId: overdueJobId(commitment.id), at: overdueAt(commitment.dueOn, timeZone), data: { commitmentId: commitment.id, kind: "overdue", dueOn: commitment.dueOn } });
  const scheduled: string[] = [];
  for (const p of planned) {
    const delay = p.at.getTime() - now;
    if (delay <= 0) continue; // recorded too close to the date for this one
    await queues.reminders.add("commitment-reminder", p.data, { ...keep, jobId: p.jobId, delay });
    scheduled.push(p.jobId);
  }
  return scheduled;
}

async function sendReminder(deps: CommitmentDeps, data: ReminderJob): Promise<{ sent: boolean; why?: string }> {
  const commitment = await commitmentById(deps.db, data.commitmentId);
  if (!commitment) return { sent: false, why: "missing" };
  if (commitment.status === "done") return { sent: false, why: "done" };
  if (commitment.dueOn !== data.dueOn) return { sent: false, why: "moved" };
  const council = await postedCouncil(deps, commitment);
  if (!council) return { sent: false, why: "not posted" };
  const lang = council.language;
  const t = translator(lang);
  const due = dueText(commitment.dueOn, lang, deps.config.TIMEZONE);
  const text =
    data.kind === "due"
      ? t("commitments.g_due_soon", { reference: commitment.reference, text: commitment.text, when: describeOffset(data.offset!, lang), date: due })
      : t("commitments.g_overdue", { reference: commitment.reference, text: commitment.text, date: due });
  await replyInGroup(deps.queues, council, commitment, text, `${data.kind}-${data.offset ?? "after"}-${commitment.dueOn}-msg`, {
    inline_keyboard: councilKeyboard(commitment, lang).inline_keyboard,
  });
  return { sent: true };
}

// ── Done: the citizens are asked ────────────────────────────────────────────

/**
 * After the council said done: reminders removed, the citizens concerned
 * asked once (one broadcast per commitment), the question's closing
 * scheduled, and the staff member who recorded it told.
 */
export async function afterDone(deps: CommitmentDeps, commitment: Commitment, councilMember: string, now = Date.now()): Promise<{ asked: number }> {
  await removeCommitmentReminders(deps.queues, commitment.id);
  const view = await commitmentView(deps.db, commitment);
  const photos = await evidencePhotos(deps.db, commitment.id);
  const broadcast = await startBroadcast(deps, {
    kind: "commitment_verification",
    dedupeKey: verificationKey(commitment.id),
    content: verificationContent(view, photos.at(-1), deps.config.TIMEZONE),
    audience: { kind: "commitment_verifiers", commitmentId: commitment.id },
    forumId: commitment.forumId ?? undefined,
  });
  const closes = verificationClosesAt(commitment)!;
  await deps.queues.reminders.add("commitment-verify-close", { commitmentId: commitment.id }, { ...keep, jobId: verifyCloseJobId(commitment.id), delay: Math.max(0, closes.getTime() - now) });
  const recorder = await recorderOf(deps, commitment);
  if (recorder) {
    const t = translator(recorder.lang);
    await enqueueMessage(
      deps.queues,
      {
        chatId: recorder.telegramId,
        text: t("commitments.s_done_notice", {
          reference: commitment.reference,
          council: councilName(view.council, recorder.lang),
          name: councilMember,
          asked: formatNumber(broadcast.estimatedTotal, recorder.lang),
        }),
      },
      `commitment-${commitment.id}-done-staff`,
    );
  }
  return { asked: broadcast.estimatedTotal };
}

async function recorderOf(deps: CommitmentDeps, commitment: Commitment) {
  if (!commitment.createdBy) return undefined;
  const [user] = await deps.db.select().from(users).where(eq(users.id, commitment.createdBy));
  return user?.telegramId ? { telegramId: user.telegramId, lang: asLanguage(user.language) } : undefined;
}

/** The council said done: the citizens are asked (afterDone) by the notify queue's commitment-done, once. */
export async function enqueueDone(queues: Queues, commitmentId: number, councilMember: string): Promise<void> {
  await queues.notify.add("commitment-done", { commitmentId, councilMember }, { jobId: `commitment-${commitmentId}-done` });
}

/** A new answer made the count reach a milestone: the council's message shows the new figures. */
export async function refreshAtMilestone(queues: Queues, commitmentId: number, answered: number): Promise<void> {
  if (!TALLY_MILESTONES.includes(answered)) return;
  await queues.notify.add("commitment-refresh", { commitmentId }, { jobId: `commitment-${commitmentId}-tally-${answered}` });
}

// ── Handlers ────────────────────────────────────────────────────────────────

export function commitmentJobHandlers(deps: CommitmentDeps, api: Api): { notify: Record<string, JobHandler>; reminders: Record<string, JobHandler> } {
  const { db, config } = deps;
  const tz = config.TIMEZONE;

  return {
    notify: {
      "commitment-post": async (job, worker) => {
        const commitment = await commitmentById(db, (job.data as { commitmentId: number }).commitmentId);
        if (!commitment) return { skipped: "missing" };
        const council = await councilForArea(db, commitment.councilAreaCode);
        if (!council?.groupChatId) return { waiting: true };
        if (commitment.groupChatId === council.groupChatId && commitment.groupMessageId) return { skipped: "already posted" };
        const lang = council.language;
        const view = await commitmentView(db, commitment);
        const chatId = council.groupChatId;
        const sent = await sendRespectingTelegram(
          worker,
          () => api.sendMessage(chatId, councilMessage(view, lang, tz), { reply_markup: councilKeyboard(commitment, lang) }),
          async () => void (await unlinkGroup(db, chatId)),
        );
        await recordPosting(db, commitment.id, chatId, sent.message_id);
        return { chatId, messageId: sent.message_id };
      },

      "commitment-done": async (job) => {
        const { commitmentId, councilMember } = job.data as { commitmentId: number; councilMember: string };
        const commitment = await commitmentById(db, commitmentId);
        if (!commitment || commitment.status !== "done") return { skipped: true };
        const { asked } = await afterDone(deps, commitment, councilMember);
        const council = await postedCouncil(deps, commitment);
        if (council) {
          const text = translator(council.language)("commitments.g_done_asked", { reference: commitment.reference, asked: formatNumber(asked, council.language) });
          await replyInGroup(deps.queues, council, commitment, text, "done-group");
          // The message now says how many were asked.
          await deps.queues.notify.add("commitment-refresh", { commitmentId }, { jobId: `commitment-${commitmentId}-refresh-done` });
        }
        return { asked };
      },

      "commitment-refresh": async (job) => {
        const commitment = await commitmentById(db, (job.data as { commitmentId: number }).commitmentId);
        const council = commitment && (await postedCouncil(deps, commitment));
        if (!commitment || !council) return { skipped: true };
        const view = await commitmentView(db, commitment);
        await api
          .editMessageText(council.groupChatId!, commitment.groupMessageId!, councilMessage(view, council.language, tz), { reply_markup: councilKeyboard(commitment, council.language) })
          .catch((err: unknown) => {
            if (!/not modified|not found/.test(String((err as Error).message))) throw err;
          });
        return { refreshed: true };
      },
    },
    reminders: {
      "commitment-reminder": async (job) => {
        const outcome = await sendReminder(deps, job.data as ReminderJob);
        if (!outcome.sent) deps.log.info({ job_id: job.id, why: outcome.why }, "commitment reminder not sent");
        return outcome;
      },

      "commitment-verify-close": async (job) => {
        const commitment = await commitmentById(db, (job.data as { commitmentId: number }).commitmentId);
        if (!commitment || commitment.status !== "done") return { skipped: true };
        const view = await commitmentView(db, commitment);
        const council = await postedCouncil(deps, commitment);
        if (council) {
          const text = translator(council.language)("commitments.g_final", { reference: commitment.reference, text: commitment.text, citizens: tallyText(view.tally, council.language) });
          await replyInGroup(deps.queues, council, commitment, text, `final-${idPart(council.groupChatId!)}`);
        }
        const recorder = await recorderOf(deps, commitment);
        if (recorder) {
          const t = translator(recorder.lang);
          await enqueueMessage(
            deps.queues,
            { chatId: recorder.telegramId, text: t("commitments.s_final", { reference: commitment.reference, text: commitment.text, citizens: tallyText(view.tally, recorder.lang) }) },
            `commitment-${commitment.id}-final-staff`,
          );
        }
        return { closed: true, answered: view.tally.answered };
      },
    },
  };
}
