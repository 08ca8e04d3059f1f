/**
 * What a forum is and what may happen to it, over the database and queues:
 * draft → published (announced to the citizens of its areas, reminders
 * scheduled) → moved/changed (reminders rescheduled, "updated" notice) or
 * cancelled (reminders removed, cancellation notice); RSVPs until the start;
 * attendance afterwards.
 */
import type { Job } from "bullmq";
import { and, asc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { areas, broadcasts, forumAreas, forumAttendance, forumRsvps, forums, type Forum, type ForumType, type RsvpAnswer, type User } from "../../db/schema/index.js";
import type { Language } from "../../i18n.js";
import type { Queues } from "../../queue/queues.js";
import { cancelBroadcast, startBroadcast, type EngineDeps } from "../broadcast/engine.js";
import { defaultReminderOffsets } from "./catalogue.js";
import { announcementContent, cancelContent, reminderContent, updateContent, withoutButtons, type AreaName } from "./messages.js";
import { durationMs } from "./time.js";

export type ForumDeps = EngineDeps;

export interface ForumDraft {
  type: ForumType;
  titleKm?: string | null;
  titleEn?: string | null;
  startsAt: Date;
  venue: string;
  latitude?: number | null;
  longitude?: number | null;
  agenda?: string | null;
  areaCodes: string[];
  reminderOffsets?: string[];
  createdBy?: number | null;
}

export async function createForum(db: Database, draft: ForumDraft): Promise<Forum> {
  if (!draft.titleKm && !draft.titleEn) throw new Error("a forum needs a title in at least one language");
  if (draft.areaCodes.length === 0) throw new Error("a forum needs at least one target area");
  return db.transaction(async (tx) => {
    const [forum] = await tx
      .insert(forums)
      .values({
        type: draft.type,
        titleKm: draft.titleKm ?? null,
        titleEn: draft.titleEn ?? null,
        startsAt: draft.startsAt,
        venue: draft.venue,
        latitude: draft.latitude ?? null,
        longitude: draft.longitude ?? null,
        agenda: draft.agenda ?? null,
        reminderOffsets: draft.reminderOffsets ?? defaultReminderOffsets,
        createdBy: draft.createdBy ?? null,
      })
      .returning();
    await tx.insert(forumAreas).values([...new Set(draft.areaCodes)].map((areaCode) => ({ forumId: forum!.id, areaCode })));
    return forum!;
  });
}

export async function getForum(db: Database, forumId: number): Promise<Forum | undefined> {
  return db.query.forums.findFirst({ where: eq(forums.id, forumId) });
}

export async function forumAreaNames(db: Database, forumId: number): Promise<AreaName[]> {
  return db
    .select({ code: areas.code, nameKm: areas.nameKm, nameEn: areas.nameEn, unitKm: areas.unitKm, unitEn: areas.unitEn })
    .from(forumAreas)
    .innerJoin(areas, eq(areas.code, forumAreas.areaCode))
    .where(eq(forumAreas.forumId, forumId))
    .orderBy(asc(areas.code));
}

type Progress = { chatId: number; messageId: number; language: Language };

/** Publishes a draft: announces it (through the delivery engine) and schedules its reminders. Idempotent. */
export async function publishForum(deps: ForumDeps, forumId: number, progress?: Progress) {
  const [published] = await deps.db
    .update(forums)
    .set({ status: "published", publishedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(forums.id, forumId), eq(forums.status, "draft")))
    .returning();
  const forum = published ?? (await getForum(deps.db, forumId));
  if (!forum || forum.status !== "published") throw new Error(`forum ${forumId} cannot be published (${forum?.status ?? "missing"})`);
  const areaNames = await forumAreaNames(deps.db, forum.id);
  const broadcast = await startBroadcast(deps, {
    kind: "forum_announcement",
    forumId: forum.id,
    dedupeKey: `forum-${forum.id}-announce`,
    content: announcementContent(forum, areaNames, deps.config.TIMEZONE),
    audience: { kind: "citizens", areaCodes: areaNames.map((a) => a.code) },
    createdBy: forum.createdBy ?? undefined,
    progress,
  });
  // The councils of those areas hear of it in their groups too (no RSVP buttons: a group does not attend).
  await startBroadcast(deps, {
    kind: "announcement",
    forumId: forum.id,
    dedupeKey: `forum-${forum.id}-announce-councils`,
    content: withoutButtons(announcementContent(forum, areaNames, deps.config.TIMEZONE)),
    audience: { kind: "council_groups", areaCodes: areaNames.map((a) => a.code) },
    createdBy: forum.createdBy ?? undefined,
  });
  await scheduleReminders(deps.queues, forum);
  return { forum, broadcast };
}

// ── Reminders ───────────────────────────────────────────────────────────────

export const reminderJobId = (forumId: number, offset: string) => `forum-${forumId}-remind-${offset}`;

interface ReminderJob {
  forumId: number;
  offset: string;
  /** The start the reminder was scheduled for: a moved forum's old reminders see a different one and stay silent. */
  startsAt: string;
}

/**
 * One delayed job per offset, `forum-<id>-remind-<offset>`. Existing ones are
 * removed first (a moved forum), so the ids stay the same. A job being
 * processed right now cannot be removed; its processor re-checks the forum.
 */
export async function scheduleReminders(queues: Queues, forum: Forum, now = Date.now()): Promise<string[]> {
  await removeReminders(queues, forum);
  const scheduled: string[] = [];
  for (const offset of forum.reminderOffsets) {
    const ms = durationMs(offset);
    if (ms === null) continue;
    const delay = forum.startsAt.getTime() - ms - now;
    if (delay <= 0) continue; // published too late for this one
    const jobId = reminderJobId(forum.id, offset);
    await queues.reminders.add("forum-reminder", { forumId: forum.id, offset, startsAt: forum.startsAt.toISOString() } satisfies ReminderJob, {
      jobId,
      delay,
      attempts: 5,
      backoff: { type: "exponential", delay: 5_000 },
      removeOnComplete: { age: 30 * 86_400 },
      removeOnFail: { age: 30 * 86_400 },
    });
    scheduled.push(jobId);
  }
  return scheduled;
}

/** Removes every reminder job the forum may have, under its present or earlier offsets. */
export async function removeReminders(queues: Queues, forum: Pick<Forum, "id" | "reminderOffsets">): Promise<void> {
  const offsets = new Set([...forum.reminderOffsets, ...defaultReminderOffsets]);
  for (const offset of offsets) {
    await queues.reminders.remove(reminderJobId(forum.id, offset)).catch(() => 0);
  }
}

/** The reminder job: sends only if the forum is still on, at the time the job was scheduled for. */
export async function sendReminder(deps: ForumDeps, job: Job, now = Date.now()): Promise<{ sent: boolean; why?: string }> {
  const data = job.data as ReminderJob;
  const forum = await getForum(deps.db, data.forumId);
  if (!forum) return { sent: false, why: "missing" };
  if (forum.status !== "published") return { sent: false, why: forum.status };
  if (forum.startsAt.toISOString() !== data.startsAt) return { sent: false, why: "moved" };
  if (!forum.reminderOffsets.includes(data.offset)) return { sent: false, why: "offset removed" };
  if (forum.startsAt.getTime() <= now) return { sent: false, why: "started" };
  const areaNames = await forumAreaNames(deps.db, forum.id);
  await startBroadcast(deps, {
    kind: "forum_reminder",
    forumId: forum.id,
    dedupeKey: `forum-${forum.id}-remind-${data.offset}-${forum.startsAt.getTime()}`,
    content: reminderContent(forum, areaNames, data.offset, deps.config.TIMEZONE),
    audience: { kind: "forum_rsvp", forumId: forum.id, answers: ["yes", "maybe"] },
  });
  return { sent: true };
}

// ── Changes ─────────────────────────────────────────────────────────────────

export interface ForumChange {
  startsAt?: Date;
  venue?: string;
  latitude?: number | null;
  longitude?: number | null;
}

/** Moves or relocates a published forum: reminders rescheduled, followers told. */
export async function changeForum(deps: ForumDeps, forumId: number, change: ForumChange, now = Date.now()): Promise<Forum> {
  const current = await getForum(deps.db, forumId);
  if (!current || current.status === "cancelled") throw new Error(`forum ${forumId} cannot be changed (${current?.status ?? "missing"})`);
  if (change.startsAt && change.startsAt.getTime() <= now) throw new Error("a forum cannot be moved into the past");
  const [forum] = await deps.db
    .update(forums)
    .set({ ...change, updatedAt: new Date(now) })
    .where(eq(forums.id, forumId))
    .returning();
  if (forum!.status !== "published") return forum!;
  await scheduleReminders(deps.queues, forum!, now);
  const areaNames = await forumAreaNames(deps.db, forumId);
  // An announcement still going out carries the new details to those not reached yet
  // (each send reads the content when it claims its row); reminders in flight stop.
  await deps.db
    .update(broadcasts)
    .set({ content: announcementContent(forum!, areaNames, deps.config.TIMEZONE) })
    .where(and(eq(broadcasts.forumId, forumId), eq(broadcasts.kind, "forum_announcement"), isNull(broadcasts.finishedAt)));
  const reminding = await deps.db
    .select({ id: broadcasts.id })
    .from(broadcasts)
    .where(and(eq(broadcasts.forumId, forumId), eq(broadcasts.kind, "forum_reminder"), eq(broadcasts.status, "sending")));
  for (const b of reminding) await cancelBroadcast(deps.db, b.id);
  await startBroadcast(deps, {
    kind: "forum_update",
    forumId,
    dedupeKey: `forum-${forumId}-update-${forum!.updatedAt.getTime()}`,
    content: updateContent(forum!, areaNames, deps.config.TIMEZONE),
    audience: { kind: "forum_followers", forumId },
  });
  return forum!;
}

/** Cancels a forum: reminders removed, unsent announcements stopped, followers told. */
export async function cancelForum(deps: ForumDeps, forumId: number): Promise<Forum | undefined> {
  const [forum] = await deps.db
    .update(forums)
    .set({ status: "cancelled", cancelledAt: new Date(), updatedAt: new Date() })
    .where(and(eq(forums.id, forumId), inArray(forums.status, ["draft", "published"])))
    .returning();
  if (!forum) return undefined;
  await removeReminders(deps.queues, forum);
  const pending = await deps.db
    .select({ id: broadcasts.id })
    .from(broadcasts)
    .where(and(eq(broadcasts.forumId, forumId), eq(broadcasts.status, "sending"), inArray(broadcasts.kind, ["forum_announcement", "forum_reminder", "forum_update"])));
  for (const b of pending) await cancelBroadcast(deps.db, b.id);
  if (forum.publishedAt) {
    await startBroadcast(deps, {
      kind: "forum_cancel",
      forumId,
      dedupeKey: `forum-${forumId}-cancel`,
      content: cancelContent(forum, deps.config.TIMEZONE),
      audience: { kind: "forum_followers", forumId },
    });
  }
  return forum;
}

// ── RSVPs ───────────────────────────────────────────────────────────────────

export type RsvpResult = { ok: true; forum: Forum } | { ok: false; reason: "missing" | "cancelled" | "not_published" | "started" };

/** Records or changes a person's answer; allowed until the forum starts. */
export async function recordRsvp(db: Database, forumId: number, userId: number, answer: RsvpAnswer, now = new Date()): Promise<RsvpResult> {
  const forum = await getForum(db, forumId);
  if (!forum) return { ok: false, reason: "missing" };
  if (forum.status === "cancelled") return { ok: false, reason: "cancelled" };
  if (forum.status !== "published") return { ok: false, reason: "not_published" };
  if (forum.startsAt.getTime() <= now.getTime()) return { ok: false, reason: "started" };
  await db
    .insert(forumRsvps)
    .values({ forumId, userId, answer, updatedAt: now })
    .onConflictDoUpdate({ target: [forumRsvps.forumId, forumRsvps.userId], set: { answer, updatedAt: now } });
  return { ok: true, forum };
}

export async function rsvpOf(db: Database, forumId: number, userId: number): Promise<RsvpAnswer | undefined> {
  const [row] = await db.select({ answer: forumRsvps.answer }).from(forumRsvps).where(and(eq(forumRsvps.forumId, forumId), eq(forumRsvps.userId, userId)));
  return row?.answer;
}

export async function rsvpCounts(db: Database, forumId: number): Promise<Record<RsvpAnswer, number>> {
  const rows = await db
    .select({ answer: forumRsvps.answer, n: sql<number>`count(*)::int` })
    .from(forumRsvps)
    .where(eq(forumRsvps.forumId, forumId))
    .groupBy(forumRsvps.answer);
  const counts = { yes: 0, maybe: 0, no: 0 };
  for (const r of rows) counts[r.answer] = r.n;
  return counts;
}

/**
 * Published forums still ahead, soonest first, whose target areas contain
 * `areaCode` (a forum for the district reaches its communes) or, with
 * `alsoInside`, lie inside it (a commune forum in a district's digest).
 */
async function upcomingForumsTouching(db: Database, areaCode: string, options: { alsoInside: boolean; now: Date; limit: number }): Promise<Forum[]> {
  const touches = options.alsoInside
    ? sql`(${areaCode} like ${forumAreas.areaCode} || '%' or ${forumAreas.areaCode} like ${areaCode} || '%')`
    : sql`${areaCode} like ${forumAreas.areaCode} || '%'`;
  const rows = await db
    .selectDistinct({ forum: forums })
    .from(forums)
    .innerJoin(forumAreas, eq(forumAreas.forumId, forums.id))
    .where(and(eq(forums.status, "published"), gt(forums.startsAt, options.now), touches))
    .orderBy(asc(forums.startsAt))
    .limit(options.limit);
  return rows.map((r) => r.forum);
}

/** Published forums still ahead whose areas cover the person's commune, soonest first, with their answer. */
export async function upcomingForumsFor(db: Database, user: Pick<User, "id" | "communeCode">, now = new Date(), limit = 5) {
  if (!user.communeCode) return [];
  const out: { forum: Forum; answer: RsvpAnswer | undefined }[] = [];
  for (const forum of await upcomingForumsTouching(db, user.communeCode, { alsoInside: false, now, limit })) {
    out.push({ forum, answer: await rsvpOf(db, forum.id, user.id) });
  }
  return out;
}

/** Forums ahead that concern a council's area: for its digest. */
export function upcomingForumsInArea(db: Database, areaCode: string, now = new Date(), limit = 3): Promise<Forum[]> {
  return upcomingForumsTouching(db, areaCode, { alsoInside: true, now, limit });
}

// ── Attendance ──────────────────────────────────────────────────────────────

export interface Attendance {
  total: number;
  women: number;
  byCommune?: { communeCode: string; total: number; women: number }[];
}

export function attendanceProblem(a: Attendance): string | undefined {
  const all = [a, ...(a.byCommune ?? [])];
  if (all.some((x) => !Number.isInteger(x.total) || !Number.isInteger(x.women) || x.total < 0 || x.women < 0)) return "not_whole";
  if (all.some((x) => x.women > x.total)) return "women_above_total";
  if (a.byCommune && a.byCommune.reduce((s, c) => s + c.total, 0) > a.total) return "communes_above_total";
  return undefined;
}

export async function recordAttendance(db: Database, forumId: number, attendance: Attendance): Promise<void> {
  const problem = attendanceProblem(attendance);
  if (problem) throw new Error(`attendance: ${problem}`);
  await db.transaction(async (tx) => {
    await tx.update(forums).set({ attendanceTotal: attendance.total, attendanceWomen: attendance.women, updatedAt: new Date() }).where(eq(forums.id, forumId));
    if (attendance.byCommune) {
      await tx.delete(forumAttendance).where(eq(forumAttendance.forumId, forumId));
      if (attendance.byCommune.length > 0) await tx.insert(forumAttendance).values(attendance.byCommune.map((c) => ({ forumId, ...c })));
    }
  });
}

export async function attendanceByCommune(db: Database, forumId: number) {
  return db
    .select({ communeCode: forumAttendance.communeCode, total: forumAttendance.total, women: forumAttendance.women, nameKm: areas.nameKm, nameEn: areas.nameEn })
    .from(forumAttendance)
    .innerJoin(areas, eq(areas.code, forumAttendance.communeCode))
    .where(eq(forumAttendance.forumId, forumId))
    .orderBy(asc(forumAttendance.communeCode));
}

/** The forum's announcement broadcast (for its delivery summary on /forum). */
export async function announcementOf(db: Database, forumId: number) {
  return db.query.broadcasts.findFirst({ where: and(eq(broadcasts.forumId, forumId), eq(broadcasts.kind, "forum_announcement")) });
}
