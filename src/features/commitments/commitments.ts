/**
 * Commitments as plain functions over the database: recording one (with its
 * public reference), moving it planned → started → done, evidence photos,
 * a new due date, and the citizens' answers to "Has this really happened?".
 * What may happen is decided here; the bot-facing files only ask.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, like, or, sql } from "drizzle-orm";
import type { Database, DatabaseOrTransaction } from "../../db/client.js";
import {
  broadcasts,
  commitmentEvents,
  commitments,
  commitmentVerifications,
  deliveries,
  forums,
  type Commitment,
  type CommitmentEvent,
  type CommitmentStatus,
  type VerificationAnswer,
} from "../../db/schema/index.js";
import { MIN_RATINGS_SHOWN } from "../catalogue/scale.js";
import { VERIFY_OPEN_DAYS } from "./catalogue.js";

export type CommitmentActor =
  | { kind: "staff"; userId: number; name: string | null }
  | { kind: "council"; telegramId: number; name: string };

function actorColumns(actor: CommitmentActor) {
  return actor.kind === "staff"
    ? { actorKind: "staff" as const, actorUserId: actor.userId, actorName: actor.name }
    : { actorKind: "council" as const, actorTelegramId: actor.telegramId, actorName: actor.name };
}

export interface CommitmentDraft {
  forumId?: number | null;
  councilAreaCode: string;
  areaCode: string;
  serviceKey?: string | null;
  responsible: string;
  text: string;
  /** YYYY-MM-DD, the local day it is due. */
  dueOn: string;
  actor: CommitmentActor;
}

/** "CM-42-1" (the forum's first), or "CM-57" for one recorded without a forum. */
export function commitmentReference(id: number, forum?: { forumId: number; n: number }): string {
  return forum ? `CM-${forum.forumId}-${forum.n}` : `CM-${id}`;
}

/** Records a commitment and its first event; the forum's references are numbered in order (the forum row is locked). */
export async function createCommitment(db: Database, draft: CommitmentDraft): Promise<Commitment> {
  if (!draft.text.trim()) throw new Error("a commitment needs a text");
  return db.transaction(async (tx) => {
    const [{ id }] = (await tx.execute<{ id: number }>(sql`select nextval(pg_get_serial_sequence('commitments', 'id'))::int as id`)) as unknown as [{ id: number }];
    let forumPart: { forumId: number; n: number } | undefined;
    if (draft.forumId) {
      await tx.select({ id: forums.id }).from(forums).where(eq(forums.id, draft.forumId)).for("update");
      const [row] = await tx.select({ n: count() }).from(commitments).where(eq(commitments.forumId, draft.forumId));
      forumPart = { forumId: draft.forumId, n: (row?.n ?? 0) + 1 };
    }
    const [commitment] = await tx
      .insert(commitments)
      .values({
        id,
        reference: commitmentReference(id, forumPart),
        forumId: draft.forumId ?? null,
        councilAreaCode: draft.councilAreaCode,
        areaCode: draft.areaCode,
        serviceKey: draft.serviceKey ?? null,
        responsible: draft.responsible,
        text: draft.text.trim(),
        dueOn: draft.dueOn,
        createdBy: draft.actor.kind === "staff" ? draft.actor.userId : null,
      })
      .returning();
    await tx.insert(commitmentEvents).values({ commitmentId: id, kind: "recorded", ...actorColumns(draft.actor) });
    return commitment!;
  });
}

export async function commitmentById(db: Database, id: number): Promise<Commitment | undefined> {
  const [row] = await db.select().from(commitments).where(eq(commitments.id, id));
  return row;
}

/** "cm-42-1", "CM 42 1", "៤២-១" → the commitment, when there is one. */
export async function commitmentByReference(db: Database, typed: string): Promise<Commitment | undefined> {
  const digits = typed.replace(/[០-៩]/g, (d) => String("០១២៣៤៥៦៧៨៩".indexOf(d)));
  const parts = digits.toUpperCase().replace(/^CM/, "").split(/[^0-9]+/).filter(Boolean);
  if (parts.length < 1 || parts.length > 2) return undefined;
  const [row] = await db.select().from(commitments).where(eq(commitments.reference, `CM-${parts.join("-")}`));
  return row;
}

// ── Moving along ────────────────────────────────────────────────────────────

const allowedFrom: Record<"started" | "done", CommitmentStatus[]> = { started: ["planned"], done: ["planned", "started"] };

export type Transition =
  | { ok: true; commitment: Commitment; before: CommitmentStatus; event: CommitmentEvent }
  | { ok: false; reason: "missing" | "not_allowed"; commitment?: Commitment };

/** planned → started, planned/started → done; anything else is refused (a stale button). */
export async function moveCommitment(db: Database, input: { commitmentId: number; to: "started" | "done"; actor: CommitmentActor }, now = new Date()): Promise<Transition> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(commitments).where(eq(commitments.id, input.commitmentId)).for("update");
    if (!current) return { ok: false, reason: "missing" } as const;
    if (!allowedFrom[input.to].includes(current.status)) return { ok: false, reason: "not_allowed", commitment: current } as const;
    const [commitment] = await tx
      .update(commitments)
      .set({ status: input.to, updatedAt: now, ...(input.to === "started" ? { startedAt: now } : { doneAt: now }) })
      .where(eq(commitments.id, current.id))
      .returning();
    const [event] = await tx.insert(commitmentEvents).values({ commitmentId: current.id, kind: input.to, ...actorColumns(input.actor), createdAt: now }).returning();
    return { ok: true, commitment: commitment!, before: current.status, event: event! } as const;
  });
}

export async function addEvidence(db: Database, input: { commitmentId: number; actor: CommitmentActor; photoFileId: string }): Promise<CommitmentEvent> {
  const [event] = await db.insert(commitmentEvents).values({ commitmentId: input.commitmentId, kind: "evidence", photoFileId: input.photoFileId, ...actorColumns(input.actor) }).returning();
  await db.update(commitments).set({ updatedAt: new Date() }).where(eq(commitments.id, input.commitmentId));
  return event!;
}

export type DueChange = { ok: true; commitment: Commitment; previous: string } | { ok: false; reason: "missing" | "done" | "same" };

export async function changeDueDate(db: Database, input: { commitmentId: number; dueOn: string; actor: CommitmentActor }): Promise<DueChange> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(commitments).where(eq(commitments.id, input.commitmentId)).for("update");
    if (!current) return { ok: false, reason: "missing" } as const;
    if (current.status === "done") return { ok: false, reason: "done" } as const;
    if (current.dueOn === input.dueOn) return { ok: false, reason: "same" } as const;
    const [commitment] = await tx.update(commitments).set({ dueOn: input.dueOn, updatedAt: new Date() }).where(eq(commitments.id, current.id)).returning();
    await tx.insert(commitmentEvents).values({ commitmentId: current.id, kind: "due_changed", note: `${current.dueOn} → ${input.dueOn}`, ...actorColumns(input.actor) });
    return { ok: true, commitment: commitment!, previous: current.dueOn } as const;
  });
}

export async function recordPosting(db: Database, commitmentId: number, chatId: number, messageId: number): Promise<void> {
  await db.update(commitments).set({ groupChatId: chatId, groupMessageId: messageId, updatedAt: new Date() }).where(eq(commitments.id, commitmentId));
}

// ── Reading ─────────────────────────────────────────────────────────────────

export async function eventsOf(db: Database, commitmentId: number): Promise<CommitmentEvent[]> {
  return db.select().from(commitmentEvents).where(eq(commitmentEvents.commitmentId, commitmentId)).orderBy(asc(commitmentEvents.id));
}

export async function commitmentCountsOfForum(db: Database, forumId: number): Promise<Record<CommitmentStatus | "total", number>> {
  const rows = await db.select({ status: commitments.status, n: count() }).from(commitments).where(eq(commitments.forumId, forumId)).groupBy(commitments.status);
  const counts = { total: 0, planned: 0, started: 0, done: 0 };
  for (const r of rows) {
    counts[r.status] = r.n;
    counts.total += r.n;
  }
  return counts;
}

export async function commitmentsOfForum(db: Database, forumId: number): Promise<Commitment[]> {
  return db.select().from(commitments).where(eq(commitments.forumId, forumId)).orderBy(asc(commitments.id));
}

/** A council's commitments: open ones by due date, then the done ones, latest first. */
export async function commitmentsOfCouncil(db: Database, councilAreaCode: string, limit = 15): Promise<Commitment[]> {
  const open = await db
    .select()
    .from(commitments)
    .where(and(eq(commitments.councilAreaCode, councilAreaCode), inArray(commitments.status, ["planned", "started"])))
    .orderBy(asc(commitments.dueOn), asc(commitments.id))
    .limit(limit);
  const done = await db
    .select()
    .from(commitments)
    .where(and(eq(commitments.councilAreaCode, councilAreaCode), eq(commitments.status, "done")))
    .orderBy(desc(commitments.doneAt))
    .limit(Math.max(0, limit - open.length));
  return [...open, ...done];
}

/** Commitments followed by councils in the area (a district's digest sees its communes' too). */
export async function commitmentsInArea(db: Database, areaCode: string): Promise<Commitment[]> {
  return db
    .select()
    .from(commitments)
    .where(like(commitments.councilAreaCode, `${areaCode.replace(/[^0-9]/g, "")}%`))
    .orderBy(asc(commitments.dueOn), asc(commitments.id));
}

/**
 * A commune's commitments for citizens' results: those marked done in the
 * period, and those still open; a district-wide commitment counts for every
 * commune of the district.
 */
export async function commitmentCountsForCommune(db: Database, communeCode: string, period: { start: Date; end: Date }): Promise<{ done: number; open: number }> {
  const covers = sql`${communeCode} like ${commitments.areaCode} || '%'`;
  const [row] = await db
    .select({
      done: sql<number>`count(*) filter (where ${commitments.status} = 'done' and ${commitments.doneAt} >= ${period.start.toISOString()}::timestamptz and ${commitments.doneAt} < ${period.end.toISOString()}::timestamptz)::int`,
      open: sql<number>`count(*) filter (where ${commitments.status} in ('planned', 'started'))::int`,
    })
    .from(commitments)
    .where(covers);
  return { done: row?.done ?? 0, open: row?.open ?? 0 };
}

/** Not done in a linked group any more (moved, or never posted): to post when the council's group is linked. */
export async function commitmentsAwaitingGroup(db: Database, councilAreaCode: string, groupChatId: number): Promise<Commitment[]> {
  return db
    .select()
    .from(commitments)
    .where(
      and(
        eq(commitments.councilAreaCode, councilAreaCode),
        inArray(commitments.status, ["planned", "started"]),
        or(sql`${commitments.groupChatId} is null`, sql`${commitments.groupChatId} <> ${groupChatId}`),
      ),
    );
}

export async function evidencePhotos(db: Database, commitmentId: number): Promise<string[]> {
  const rows = await db
    .select({ photo: commitmentEvents.photoFileId })
    .from(commitmentEvents)
    .where(and(eq(commitmentEvents.commitmentId, commitmentId), eq(commitmentEvents.kind, "evidence"), isNotNull(commitmentEvents.photoFileId)))
    .orderBy(asc(commitmentEvents.id));
  return rows.map((r) => r.photo!);
}

// ── Citizens' verification ──────────────────────────────────────────────────

/** The broadcast that asks the citizens (one per commitment: asked once). */
export const verificationKey = (commitmentId: number) => `commitment-${commitmentId}-verify`;

export function verificationClosesAt(commitment: Pick<Commitment, "doneAt">): Date | undefined {
  return commitment.doneAt ? new Date(commitment.doneAt.getTime() + VERIFY_OPEN_DAYS * 86_400_000) : undefined;
}

export interface Tally {
  answered: number;
  yes: number;
  partly: number;
  no: number;
  /** At least MIN_RATINGS_SHOWN answers: the figures may be shown. */
  shown: boolean;
  /** People asked, for "fewer than 5 answers so far (40 asked)". */
  asked: number;
}

export async function verificationTally(db: Database, commitmentId: number): Promise<Tally> {
  const rows = await db
    .select({ answer: commitmentVerifications.answer, n: count() })
    .from(commitmentVerifications)
    .where(eq(commitmentVerifications.commitmentId, commitmentId))
    .groupBy(commitmentVerifications.answer);
  const by = Object.fromEntries(rows.map((r) => [r.answer, r.n])) as Partial<Record<VerificationAnswer, number>>;
  const answered = rows.reduce((s, r) => s + r.n, 0);
  // The people the question set out to reach (counted when it started; sends follow at Telegram's pace).
  const [asked] = await db.select({ n: broadcasts.estimatedTotal }).from(broadcasts).where(eq(broadcasts.dedupeKey, verificationKey(commitmentId)));
  return { answered, yes: by.yes ?? 0, partly: by.partly ?? 0, no: by.no ?? 0, shown: answered >= MIN_RATINGS_SHOWN, asked: asked?.n ?? 0 };
}

export type VerificationResult =
  | { ok: true; commitment: Commitment; answered: number; first: boolean }
  | { ok: false; reason: "missing" | "not_done" | "not_asked" | "closed" };

/**
 * One answer per person: only from those the question was sent to, while it
 * is open; a second press changes the answer.
 */
export async function recordVerification(db: Database, input: { commitmentId: number; userId: number; answer: VerificationAnswer }, now = new Date()): Promise<VerificationResult> {
  const commitment = await commitmentById(db, input.commitmentId);
  if (!commitment) return { ok: false, reason: "missing" };
  if (commitment.status !== "done") return { ok: false, reason: "not_done" };
  if (now >= verificationClosesAt(commitment)!) return { ok: false, reason: "closed" };
  const [asked] = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .innerJoin(broadcasts, eq(broadcasts.id, deliveries.broadcastId))
    .where(and(eq(broadcasts.dedupeKey, verificationKey(commitment.id)), eq(deliveries.userId, input.userId)))
    .limit(1);
  if (!asked) return { ok: false, reason: "not_asked" };
  const [row] = await db
    .insert(commitmentVerifications)
    .values({ commitmentId: commitment.id, userId: input.userId, answer: input.answer, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [commitmentVerifications.commitmentId, commitmentVerifications.userId], set: { answer: input.answer, updatedAt: now } })
    .returning({ createdAt: commitmentVerifications.createdAt, updatedAt: commitmentVerifications.updatedAt });
  const [total] = await db.select({ n: count() }).from(commitmentVerifications).where(eq(commitmentVerifications.commitmentId, commitment.id));
  return { ok: true, commitment, answered: total?.n ?? 0, first: row!.createdAt.getTime() === row!.updatedAt.getTime() };
}

export async function verificationOf(db: Database, commitmentId: number, userId: number): Promise<VerificationAnswer | undefined> {
  const [row] = await db
    .select({ answer: commitmentVerifications.answer })
    .from(commitmentVerifications)
    .where(and(eq(commitmentVerifications.commitmentId, commitmentId), eq(commitmentVerifications.userId, userId)));
  return row?.answer;
}

/** /forget: answers still count, unlinked; the staff member's name leaves the commitments they recorded. */
export async function detachCommitmentsFrom(tx: DatabaseOrTransaction, userId: number): Promise<void> {
  await tx.update(commitmentVerifications).set({ userId: null }).where(eq(commitmentVerifications.userId, userId));
  await tx.update(commitments).set({ createdBy: null }).where(eq(commitments.createdBy, userId));
  await tx.update(commitmentEvents).set({ actorUserId: null, actorName: null }).where(eq(commitmentEvents.actorUserId, userId));
}
