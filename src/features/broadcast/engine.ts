/**
 * The delivery engine every mass message goes through (staff broadcasts,
 * forum announcements, reminders, updates and cancellations).
 *
 *   startBroadcast ─▶ broadcasts row ─▶ fan-out job (reminders queue)
 *        pages the audience by keyset, writes one `deliveries` row per chat
 *        (queued), then enqueues `send` jobs in bulk, each for a few chats
 *        (more at higher rates: chatsPerSendJob), with the id
 *        `bc-<broadcast>-k<first recipient's key>`; the cursor is saved after each page,
 *        so a restart resumes where it stopped and re-enqueues nothing twice.
 *   send job (broadcast queue: evenly spaced global slots and per-chat pace, pace.ts)
 *        for each of its chats: claims the row queued → sending, sends,
 *        records sent | failed | blocked with the message id or the error
 *        (the rows of all sends of the moment in one statement each way). A
 *        chat that must be tried again (429, a passing error, a busy chat)
 *        makes the job retry; its finished chats find their rows finished.
 *   progress job (reminders queue, every few seconds)
 *        counts the rows, edits the staff member's progress message, heals
 *        lost jobs, and writes the final report once nothing is pending.
 *
 * Exactly-once, and what remains. A row is claimed before the send and
 * finished right after it; a second job for the same chat finds the row
 * already claimed or finished and sends nothing. A graceful stop (SIGTERM,
 * app.stop) lets sends in flight finish and record. What no design can close
 * is a hard kill (SIGKILL, power loss) after Telegram accepted a message and
 * before the row update (one local UPDATE, about a millisecond), or during an
 * HTTP request whose answer never arrived: the row is then left "sending".
 * Such a row is deliberately sent again once it is older than
 * SENDING_STALE_SECONDS (no live attempt can be older: each send has a
 * SEND_TIMEOUT_MS abort), i.e. we choose at-least-once for that window: a
 * person may see one announcement twice, but nobody misses a forum. At most
 * as many rows as sends were in flight (the worker's concurrency times its
 * jobs' chats) can be in that state after a crash.
 */
import { and, eq, sql } from "drizzle-orm";
import { Api } from "grammy";
import type { Message } from "grammy/types";
import { UnrecoverableError, Worker, type Job, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../../config.js";
import type { Database, DatabaseOrTransaction } from "../../db/client.js";
import {
  broadcasts,
  deliveries,
  users,
  type AudienceSpec,
  type Broadcast,
  type BroadcastContent,
  type BroadcastKind,
  type BroadcastMessage,
  type DeliveryStatus,
} from "../../db/schema/index.js";
import type { Language } from "../../i18n.js";
import type { Logger } from "../../log.js";
import type { Queues } from "../../queue/queues.js";
import { sendRespectingTelegram, type JobHandler } from "../../queue/workers.js";
import { batched } from "../../db/batched.js";
import { markChatBlocked } from "../users/users.js";
import { audiencePage, countAudience } from "./audience.js";
import { holdSends, takeSendSlot } from "./pace.js";

export interface EngineDeps {
  config: Config;
  db: Database;
  redis: Redis;
  queues: Queues;
  log: Logger;
}

/** A "sending" row older than this belongs to a dead attempt (see the header). */
export const SENDING_STALE_SECONDS = 45;
/** No send waits longer for Telegram; keeps live attempts younger than the stale limit. */
export const SEND_TIMEOUT_MS = 20_000;
/** Recipients per fan-out page (one SELECT, one INSERT, one addBulk). */
export const FANOUT_BATCH = 1_000;
/** Fan-out pauses while this many sends already wait, so Redis holds a bounded backlog. */
export const FANOUT_HIGH_WATER = 5_000;
const FANOUT_PAGES_PER_JOB = 5;
export const PROGRESS_INTERVAL_MS = 3_000;
/** With no progress for this long while rows are pending, their jobs are enqueued again (lost jobs heal). */
const STALL_HEAL_MS = 30_000;

/** Send jobs: the delivery row is the record, so finished jobs are not kept in Redis. */
const sendJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: true,
};
const controlJobOptions: JobsOptions = { attempts: 8, backoff: { type: "exponential", delay: 1_000 }, removeOnComplete: true, removeOnFail: { age: 7 * 86_400 } };

/**
 * A send job's id: the broadcast and where its chats start, as the fan-out's
 * keyset key ("k…", a users or councils row) or, for a heal, the first
 * delivery row ("h…"). Never a chat id: job ids reach the logs, and a
 * private chat's id is the person's Telegram id.
 */
const sendJobId = (broadcastId: number, start: string) => `bc-${broadcastId}-${start}`;

/**
 * Chats per send job: one job's overhead (two Redis scripts, a BullMQ
 * round) is shared by its chats. About 1/20 of the rate, 1 to 50: at 25/s a
 * job of 2 chats lasts 80 ms; at 1,000/s one of 50 lasts 50 ms.
 */
export function chatsPerSendJob(ratePerSecond: number): number {
  return Math.min(50, Math.max(1, Math.ceil(ratePerSecond / 20)));
}

/** The send jobs for these chats of a broadcast, `perJob` chats each, each named after its first chat's `start`. */
function sendJobs(broadcastId: number, chats: { chatId: number; start: string }[], perJob: number) {
  const jobs = [];
  for (let i = 0; i < chats.length; i += perJob) {
    const part = chats.slice(i, i + perJob);
    const data: SendJob = { b: broadcastId, c: part.map((p) => p.chatId) };
    jobs.push({ name: "send", data, opts: { ...sendJobOptions, jobId: sendJobId(broadcastId, part[0]!.start) } });
  }
  return jobs;
}
/**
 * A fan-out job's id names the cursor it starts from; a continuation deferred
 * for a long backlog also names its turn, so that it never collides with the
 * job still active at the same cursor (BullMQ ignores an add under a live id,
 * and the fan-out would silently stop).
 */
const fanoutJobId = (broadcastId: number, cursor: number, deferral = 0) =>
  `bc-${broadcastId}-fanout-${cursor}${deferral ? `-d${deferral}` : ""}`;
const progressJobId = (broadcastId: number, tick: number) => `bc-${broadcastId}-progress-${tick}`;

export interface StartBroadcastInput {
  kind: BroadcastKind;
  content: BroadcastContent;
  audience: AudienceSpec;
  /** Starting twice with the same key starts once (reminders, announcements). */
  dedupeKey?: string;
  forumId?: number;
  createdBy?: number;
  /** The staff member's message to edit with live progress and the final report. */
  progress?: { chatId: number; messageId: number; language: Language };
}

/** Creates the broadcast and sets its fan-out going; returns the row (the existing one for a known dedupeKey). */
export async function startBroadcast(deps: EngineDeps, input: StartBroadcastInput): Promise<Broadcast> {
  const estimatedTotal = await countAudience(deps.db, input.audience);
  const [created] = await deps.db
    .insert(broadcasts)
    .values({
      kind: input.kind,
      content: input.content,
      audience: input.audience,
      dedupeKey: input.dedupeKey,
      forumId: input.forumId,
      createdBy: input.createdBy,
      estimatedTotal,
      progressChatId: input.progress?.chatId,
      progressMessageId: input.progress?.messageId,
      progressLanguage: input.progress?.language,
    })
    .onConflictDoNothing({ target: broadcasts.dedupeKey })
    .returning();
  const broadcast = created ?? (await deps.db.query.broadcasts.findFirst({ where: eq(broadcasts.dedupeKey, input.dedupeKey!) }))!;
  // Both ids are deterministic: calling again (a retried reminder job) re-enqueues nothing.
  await kickBroadcast(deps.queues, broadcast);
  return broadcast;
}

/** Makes sure a broadcast's fan-out and progress jobs exist (idempotent). */
async function kickBroadcast(queues: Queues, broadcast: Broadcast): Promise<void> {
  if (broadcast.finishedAt) return;
  if (!broadcast.fanoutDone) {
    await queues.reminders.add("broadcast-fanout", { broadcastId: broadcast.id }, { ...controlJobOptions, jobId: fanoutJobId(broadcast.id, broadcast.fanoutCursor) });
  }
  await queues.reminders.add(
    "broadcast-progress",
    { broadcastId: broadcast.id, tick: 1, lastDone: -1, lastChangeAt: Date.now() } satisfies ProgressJob,
    { ...controlJobOptions, jobId: progressJobId(broadcast.id, 1), delay: PROGRESS_INTERVAL_MS },
  );
}

/** Names the message that shows the broadcast's live progress and, at the end, its report. */
export async function attachProgress(db: Database, broadcastId: number, progress: { chatId: number; messageId: number; language: Language }): Promise<void> {
  await db
    .update(broadcasts)
    .set({ progressChatId: progress.chatId, progressMessageId: progress.messageId, progressLanguage: progress.language })
    .where(eq(broadcasts.id, broadcastId));
}

/** Stops a broadcast: rows not yet sent end as "cancelled" (a cancelled forum's reminders, say). */
export async function cancelBroadcast(db: Database, broadcastId: number): Promise<void> {
  await db.update(broadcasts).set({ status: "cancelled" }).where(and(eq(broadcasts.id, broadcastId), eq(broadcasts.status, "sending")));
}

/**
 * /forget: a person's delivery rows say which chat received what (a
 * commune's results tell that they took part there), so they go; a send
 * still queued for them finds no row and sends nothing. The live-progress
 * target of a staff member's broadcasts is their chat: it is cleared.
 */
export async function forgetDeliveriesOf(tx: DatabaseOrTransaction, userId: number): Promise<void> {
  await tx.delete(deliveries).where(eq(deliveries.userId, userId));
  await tx
    .update(broadcasts)
    .set({ progressChatId: null, progressMessageId: null })
    .where(sql`${broadcasts.progressChatId} = (select ${users.telegramId} from ${users} where ${users.id} = ${userId})`);
}

// ── Fan-out ─────────────────────────────────────────────────────────────────

interface FanoutJob {
  broadcastId: number;
  /** How many times in a row the fan-out was deferred at this cursor. */
  deferral?: number;
}

async function fanOut(deps: EngineDeps, { broadcastId, deferral = 0 }: FanoutJob): Promise<void> {
  const { db, queues } = deps;
  const broadcast = await db.query.broadcasts.findFirst({ where: eq(broadcasts.id, broadcastId) });
  if (!broadcast || broadcast.fanoutDone) return;
  if (broadcast.status === "cancelled") {
    await db.update(broadcasts).set({ fanoutDone: true }).where(eq(broadcasts.id, broadcastId));
    return;
  }
  const start = broadcast.fanoutCursor;
  let cursor = start;
  for (let page = 0; page < FANOUT_PAGES_PER_JOB; page++) {
    if ((await queues.broadcast.getWaitingCount()) > FANOUT_HIGH_WATER) break;
    const recipients = await audiencePage(db, broadcast.audience, cursor, FANOUT_BATCH);
    if (recipients.length > 0) {
      // Rows first, then jobs, then the cursor: a crash in between repeats harmless steps only.
      // One parameter for the page (a thousand rows of four values would be four thousand).
      const page = JSON.stringify(recipients.map((r) => ({ c: r.chatId, u: r.userId, l: r.language })));
      await db.execute(sql`
        insert into ${deliveries} (broadcast_id, chat_id, user_id, language)
        select ${broadcastId}, k.c, k.u, k.l from jsonb_to_recordset(${page}::jsonb) as k(c bigint, u int, l text)
        on conflict do nothing`);
      const chats = recipients.map((r) => ({ chatId: r.chatId, start: `k${r.key}` }));
      await queues.broadcast.addBulk(sendJobs(broadcastId, chats, chatsPerSendJob(deps.config.BROADCAST_RATE_PER_SECOND)));
      cursor = recipients[recipients.length - 1]!.key;
    }
    const done = recipients.length < FANOUT_BATCH;
    await db.update(broadcasts).set({ fanoutCursor: cursor, fanoutDone: done }).where(eq(broadcasts.id, broadcastId));
    if (done) return;
  }
  // More to come: continue in a fresh job (short jobs keep shutdown quick), later when the backlog is long.
  const backlog = (await queues.broadcast.getWaitingCount()) > FANOUT_HIGH_WATER;
  const next: FanoutJob = { broadcastId, deferral: cursor === start ? deferral + 1 : 0 };
  await queues.reminders.add("broadcast-fanout", next, { ...controlJobOptions, jobId: fanoutJobId(broadcastId, cursor, next.deferral), delay: backlog ? 1_000 : 0 });
}

// ── One send ────────────────────────────────────────────────────────────────

/** A send job: the broadcast and its chats (a single number in jobs of older versions). */
interface SendJob {
  b: number;
  c: number | number[];
}

/** One chat's row of a broadcast: what the claim and the settlement are about. */
interface RowRef {
  b: number;
  c: number;
}

type Claim =
  | { outcome: "claimed"; language: Language; content: BroadcastContent }
  | { outcome: "finished"; status: DeliveryStatus }
  | { outcome: "busy" }
  | { outcome: "missing" };

interface Settle {
  status: DeliveryStatus;
  messageId?: number;
  error?: string;
}

const rowKey = (broadcastId: number, chatId: number) => `${broadcastId}/${chatId}`;

/**
 * The delivery rows' two writes around every send, each carried with the
 * other sends' of the moment in one statement (db/batched.ts): the claim
 * before the send and the settlement after it. A caller still waits until
 * its own row is written, so a row is claimed before its send and settled
 * before its job completes, exactly as one statement per send would.
 */
export function deliveryRows(db: Database) {
  /** queued (or stale sending) → sending; a cancelled broadcast's row → cancelled. */
  const claim = batched<RowRef, Claim>(async (jobs) => {
    const keys = [...new Map(jobs.map((j) => [rowKey(j.b, j.c), { b: j.b, c: j.c }])).values()];
    const claimed = await db.execute<{ broadcast_id: number; chat_id: string; status: DeliveryStatus; language: Language; content: BroadcastContent }>(sql`
      update ${deliveries} d set
        status = case when bc.status = 'cancelled' then 'cancelled' else 'sending' end,
        attempts = d.attempts + case when bc.status = 'cancelled' then 0 else 1 end,
        claimed_at = now(),
        finished_at = case when bc.status = 'cancelled' then now() end
      from ${broadcasts} bc, jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k(b int, c bigint)
      where bc.id = d.broadcast_id and d.broadcast_id = k.b and d.chat_id = k.c
        and (d.status = 'queued' or (d.status = 'sending' and d.claimed_at < now() - make_interval(secs => ${SENDING_STALE_SECONDS})))
      returning d.broadcast_id, d.chat_id, d.status, d.language, bc.content`);
    const won = new Map<string, Claim>();
    for (const row of claimed) {
      won.set(
        rowKey(row.broadcast_id, Number(row.chat_id)),
        row.status === "sending" ? { outcome: "claimed", language: row.language, content: row.content } : { outcome: "finished", status: row.status },
      );
    }
    // Rows not claimed now: someone else holds them, they are finished, or they do not exist.
    const others = keys.filter((k) => !won.has(rowKey(k.b, k.c)));
    const current = new Map<string, DeliveryStatus>();
    if (others.length > 0) {
      const rows = await db.execute<{ broadcast_id: number; chat_id: string; status: DeliveryStatus }>(sql`
        select d.broadcast_id, d.chat_id, d.status from ${deliveries} d
        join jsonb_to_recordset(${JSON.stringify(others)}::jsonb) as k(b int, c bigint) on d.broadcast_id = k.b and d.chat_id = k.c`);
      for (const row of rows) current.set(rowKey(row.broadcast_id, Number(row.chat_id)), row.status);
    }
    const given = new Set<string>();
    return jobs.map((j): Claim => {
      const key = rowKey(j.b, j.c);
      const mine = won.get(key);
      // Two jobs for one chat in one batch: the first has the row, the second finds it busy.
      if (mine && !given.has(key)) {
        given.add(key);
        return mine;
      }
      const status = mine?.outcome === "claimed" ? "sending" : mine?.outcome === "finished" ? mine.status : current.get(key);
      if (status === undefined) return { outcome: "missing" };
      return status === "sending" ? { outcome: "busy" } : { outcome: "finished", status };
    });
  });

  /** sending → the outcome (or back to queued for a retry), with the message id or the error. */
  const settle = batched<RowRef & Settle, void>(async (results) => {
    const rows = results.map((r) => ({ b: r.b, c: r.c, status: r.status, message_id: r.messageId ?? null, error: r.error?.slice(0, 500) ?? null }));
    await db.execute(sql`
      update ${deliveries} d set status = k.status, message_id = k.message_id, error = k.error,
        finished_at = case when k.status = 'queued' then null else now() end
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as k(b int, c bigint, status text, message_id int, error text)
      where d.broadcast_id = k.b and d.chat_id = k.c and d.status = 'sending'`);
    return results.map(() => undefined);
  });

  return { claim, settle };
}

type DeliveryRows = ReturnType<typeof deliveryRows>;

function sendContent(api: Api, chatId: number, message: BroadcastMessage, paid: boolean): Promise<Message> {
  const common = {
    reply_markup: message.replyMarkup,
    ...(paid ? { allow_paid_broadcast: true } : {}),
  };
  return message.photo
    ? api.sendPhoto(chatId, message.photo, { caption: message.text, ...common })
    : api.sendMessage(chatId, message.text, { link_preview_options: { is_disabled: true }, ...common });
}

/** What became of one chat in a send job. */
type ChatOutcome = "done" | "missing" | "rate_limited" | "retry";

async function deliverSendJob(deps: EngineDeps, rows: DeliveryRows, api: Api, job: Job, worker: Worker): Promise<unknown> {
  const { b: broadcastId, c } = job.data as SendJob;
  const chats = Array.isArray(c) ? c : [c];
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  // After a 429 the chats of this job still waiting for their slot do not send (they would be refused too).
  const job429 = { seen: false };
  const outcomes = await Promise.all(chats.map((chatId) => deliverToChat(deps, rows, api, worker, { b: broadcastId, c: chatId }, lastAttempt, job429)));
  if (outcomes.every((o) => o === "missing")) throw new UnrecoverableError(`no delivery row for broadcast ${broadcastId}, chats ${chats.join(",")}`);
  // 429: the queue already waits retry_after; the job goes back to waiting without spending an attempt.
  if (outcomes.includes("rate_limited")) throw Worker.RateLimitError();
  const again = outcomes.filter((o) => o === "retry").length;
  if (again > 0) throw new Error(`${again} of ${chats.length} deliveries of broadcast ${broadcastId} to try again`);
  return { chats: chats.length };
}

async function deliverToChat(deps: EngineDeps, rows: DeliveryRows, api: Api, worker: Worker, row: RowRef, lastAttempt: boolean, job429: { seen: boolean }): Promise<ChatOutcome> {
  const { db, redis, config, log } = deps;
  const claim = await rows.claim(row);
  if (claim.outcome === "missing") return "missing";
  if (claim.outcome === "finished") return "done";
  // Another attempt holds the row and may still be sending: try later (backoff).
  if (claim.outcome === "busy") return "retry";

  const message = claim.content[claim.language] ?? claim.content.km;
  let blocked: string | undefined;
  try {
    await takeSendSlot(redis, config.REDIS_PREFIX, row.c, config.BROADCAST_RATE_PER_SECOND);
    if (job429.seen) {
      await rows.settle({ ...row, status: "queued", error: "429 Too Many Requests" });
      return "rate_limited";
    }
    const sent = await sendRespectingTelegram(
      worker,
      () => sendContent(api, row.c, message, config.BROADCAST_ALLOW_PAID),
      async (description) => {
        blocked = description;
        await markChatBlocked(db, row.c);
      },
      (retryAfterMs) => holdSends(redis, config.REDIS_PREFIX, retryAfterMs),
    );
    await rows.settle({ ...row, status: "sent", messageId: sent.message_id });
    return "done";
  } catch (err) {
    const error = err as Error;
    if (blocked !== undefined) {
      // 403: marked, never retried; the person is left out of later audiences until they write again.
      await rows.settle({ ...row, status: "blocked", error: blocked });
      return "done";
    }
    if (error instanceof UnrecoverableError) {
      // 400 chat not found, bad request: the reason is kept on the row.
      await rows.settle({ ...row, status: "failed", error: error.message });
      return "done";
    }
    if (error.name === "RateLimitError") {
      job429.seen = true;
      await rows.settle({ ...row, status: "queued", error: "429 Too Many Requests" });
      return "rate_limited";
    }
    // A passing failure (network, 5xx, a chat busy for too long): again later, until the attempts run out.
    log.debug({ broadcast: row.b, err: error.message }, "delivery to try again");
    await rows.settle({ ...row, status: lastAttempt ? "failed" : "queued", error: error.message });
    return lastAttempt ? "done" : "retry";
  }
}

// ── Progress and the final report ───────────────────────────────────────────

export interface BroadcastSummary {
  id: number;
  kind: BroadcastKind;
  total: number;
  sent: number;
  failed: number;
  blocked: number;
  cancelled: number;
  pending: number;
  finished: boolean;
  startedAt: Date;
  finishedAt: Date | null;
}

/** sent / total / failed / blocked, counted from the delivery rows. */
export async function broadcastSummary(db: Database, broadcastId: number): Promise<BroadcastSummary | undefined> {
  const broadcast = await db.query.broadcasts.findFirst({ where: eq(broadcasts.id, broadcastId) });
  if (!broadcast) return undefined;
  const rows = await db
    .select({ status: deliveries.status, n: sql<number>`count(*)::int` })
    .from(deliveries)
    .where(eq(deliveries.broadcastId, broadcastId))
    .groupBy(deliveries.status);
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Partial<Record<DeliveryStatus, number>>;
  const rowsTotal = rows.reduce((sum, r) => sum + r.n, 0);
  return {
    id: broadcast.id,
    kind: broadcast.kind,
    total: broadcast.fanoutDone ? rowsTotal : Math.max(rowsTotal, broadcast.estimatedTotal),
    sent: by.sent ?? 0,
    failed: by.failed ?? 0,
    blocked: by.blocked ?? 0,
    cancelled: by.cancelled ?? 0,
    pending: (by.queued ?? 0) + (by.sending ?? 0) + (broadcast.fanoutDone ? 0 : Math.max(0, broadcast.estimatedTotal - rowsTotal)),
    finished: broadcast.finishedAt !== null,
    startedAt: broadcast.createdAt,
    finishedAt: broadcast.finishedAt,
  };
}

interface ProgressJob {
  broadcastId: number;
  tick: number;
  lastDone: number;
  lastChangeAt: number;
}

/** How the progress message reads; supplied by the bot-facing side (i18n). */
export type ProgressText = (summary: BroadcastSummary, language: Language) => { progress: string; final: string };

async function trackProgress(deps: EngineDeps, api: Api, render: ProgressText, job: Job): Promise<void> {
  const { db, queues } = deps;
  const data = job.data as ProgressJob;
  const broadcast = await db.query.broadcasts.findFirst({ where: eq(broadcasts.id, data.broadcastId) });
  if (!broadcast || broadcast.finishedAt) return;
  const summary = (await broadcastSummary(db, broadcast.id))!;
  const done = summary.sent + summary.failed + summary.blocked + summary.cancelled;
  const language = broadcast.progressLanguage ?? "km";
  const target = broadcast.progressChatId && broadcast.progressMessageId ? { chatId: broadcast.progressChatId, messageId: broadcast.progressMessageId } : undefined;

  if (broadcast.fanoutDone && summary.pending === 0) {
    const [closed] = await db
      .update(broadcasts)
      .set({ status: broadcast.status === "cancelled" ? "cancelled" : "done", finishedAt: new Date() })
      .where(and(eq(broadcasts.id, broadcast.id), sql`${broadcasts.finishedAt} is null`))
      .returning();
    if (closed && target) {
      const texts = render({ ...summary, finished: true, finishedAt: closed.finishedAt }, language);
      await api.editMessageText(target.chatId, target.messageId, texts.progress).catch(() => {});
      await api.sendMessage(target.chatId, texts.final).catch((err) => deps.log.warn({ err: String(err), broadcast: broadcast.id }, "final report not sent"));
    }
    return;
  }

  if (target && done !== data.lastDone) {
    // "message is not modified" and other edit failures must not stop the tracking.
    await api.editMessageText(target.chatId, target.messageId, render(summary, language).progress).catch(() => {});
  }
  let lastChangeAt = done !== data.lastDone ? Date.now() : data.lastChangeAt;
  if (Date.now() - lastChangeAt > STALL_HEAL_MS) {
    await healBroadcast(deps, broadcast);
    lastChangeAt = Date.now();
  }
  await queues.reminders.add(
    "broadcast-progress",
    { broadcastId: broadcast.id, tick: data.tick + 1, lastDone: done, lastChangeAt } satisfies ProgressJob,
    { ...controlJobOptions, jobId: progressJobId(broadcast.id, data.tick + 1), delay: PROGRESS_INTERVAL_MS },
  );
}

/**
 * Nothing moved for a while although rows are pending: their jobs may have
 * been lost (Redis restored from an old snapshot, say). Enqueue them again;
 * ids are deterministic and the row claim makes a spare job harmless.
 */
async function healBroadcast(deps: EngineDeps, broadcast: Broadcast): Promise<void> {
  const { db, queues, log } = deps;
  const pending = await db
    .select({ id: deliveries.id, chatId: deliveries.chatId })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.broadcastId, broadcast.id),
        sql`(${deliveries.status} = 'queued' or (${deliveries.status} = 'sending' and ${deliveries.claimedAt} < now() - make_interval(secs => ${SENDING_STALE_SECONDS})))`,
      ),
    )
    .limit(FANOUT_BATCH);
  if (pending.length > 0) {
    log.warn({ broadcast: broadcast.id, rows: pending.length }, "broadcast stalled; enqueueing its pending deliveries again");
    const chats = pending.map((r) => ({ chatId: r.chatId, start: `h${r.id}` }));
    await queues.broadcast.addBulk(sendJobs(broadcast.id, chats, chatsPerSendJob(deps.config.BROADCAST_RATE_PER_SECOND)));
  }
  if (!broadcast.fanoutDone) {
    await queues.reminders.add("broadcast-fanout", { broadcastId: broadcast.id }, { ...controlJobOptions, jobId: fanoutJobId(broadcast.id, broadcast.fanoutCursor) });
  }
}

// ── Wiring ──────────────────────────────────────────────────────────────────

/** The engine's job handlers: `send` on the broadcast queue; fan-out and progress on the reminders queue. */
export function broadcastJobHandlers(deps: EngineDeps, api: Api, render: ProgressText) {
  // Sends bypass the bot's auto-retry transformer: a 429 must reach
  // sendRespectingTelegram so the queue as a whole pauses for retry_after.
  const plainApi = new Api(api.token, { ...api.options, timeoutSeconds: SEND_TIMEOUT_MS / 1000 });
  const rows = deliveryRows(deps.db);
  return {
    broadcast: { send: ((job, worker) => deliverSendJob(deps, rows, plainApi, job, worker)) as JobHandler },
    reminders: {
      "broadcast-fanout": (async (job) => fanOut(deps, job.data as FanoutJob)) as JobHandler,
      "broadcast-progress": (async (job) => trackProgress(deps, api, render, job)) as JobHandler,
    },
  };
}

/**
 * The broadcast queue's worker settings. The pace itself is pace.ts (evenly
 * spaced slots shared by all workers); BullMQ's limiter (also global) is only
 * a ceiling a quarter above it, in short windows, so that a lost pace key
 * cannot let a worker fetch sends in bursts, and so that a 429 can pause the
 * whole queue (worker.rateLimit works through the limiter).
 */
export function broadcastWorkerSettings(config: Config) {
  const rate = config.BROADCAST_RATE_PER_SECOND;
  const perJob = chatsPerSendJob(rate);
  return {
    limiter: smoothLimiter(Math.ceil((rate * 1.25) / perJob)),
    // Enough sends in flight to reach the rate with ~100–250 ms round trips to Telegram.
    concurrency: Math.ceil(Math.max(10, rate / 4) / perJob),
  };
}

/** { max, duration } with max/duration = rate/1000 exactly and the shortest window not under 200 ms. */
export function smoothLimiter(rate: number): { max: number; duration: number } {
  for (let parts = 5; parts > 1; parts--) {
    if (rate % parts === 0 && 1000 % parts === 0) return { max: rate / parts, duration: 1000 / parts };
  }
  return { max: rate, duration: 1000 };
}
