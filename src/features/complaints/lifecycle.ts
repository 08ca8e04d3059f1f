/**
 * What may happen to a complaint, as a small state machine over plain
 * functions. Every change is one transaction: the row is locked, the move is
 * checked against the table below and against who is acting, the row is
 * updated and an event written. Two council members pressing at once are
 * serialised by the row lock: the second one finds the new status and is
 * refused.
 */
import { and, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import {
  areas,
  complaintEvents,
  complaints,
  type Complaint,
  type ComplaintEvent,
  type ComplaintStatus,
} from "../../db/schema/index.js";

export type CouncilAction = "acknowledge" | "start" | "resolve" | "reject" | "forward";
export type CitizenAction = "confirm" | "reopen";
export type ComplaintAction = CouncilAction | CitizenAction;

interface Move {
  by: "council" | "citizen";
  from: readonly ComplaintStatus[];
  to: ComplaintStatus;
  /** A reason is required (rejecting, forwarding, reopening). */
  needsNote?: boolean;
}

// A council may skip ahead (a small fix is resolved the day it is reported)
// but never goes back; only the citizen sends a resolution back.
const open: readonly ComplaintStatus[] = ["new", "forwarded", "acknowledged", "in_progress"];
export const moves: Record<ComplaintAction, Move> = {
  acknowledge: { by: "council", from: ["new", "forwarded"], to: "acknowledged" },
  start: { by: "council", from: ["new", "forwarded", "acknowledged"], to: "in_progress" },
  resolve: { by: "council", from: open, to: "resolved" },
  reject: { by: "council", from: open, to: "rejected", needsNote: true },
  forward: { by: "council", from: ["new", "acknowledged", "in_progress"], to: "forwarded", needsNote: true },
  confirm: { by: "citizen", from: ["resolved"], to: "closed" },
  reopen: { by: "citizen", from: ["resolved"], to: "in_progress", needsNote: true },
};

/**
 * Statuses in which nothing more happens (but for the one follow-up question
 * to the author of a resolved complaint, whose "no" reopens even a closed one).
 */
export const finished: readonly ComplaintStatus[] = ["closed", "rejected"];

/**
 * A resolved complaint, confirmed by its author (closed) or not, is followed
 * up once: its author is asked whether it is still fixed. A "no" is the
 * citizen's reopen move from either of these statuses.
 */
export const followedUpStatuses: readonly ComplaintStatus[] = ["resolved", "closed"];

/** The author was asked whether it is still fixed and has not answered; the complaint still stands resolved. */
export function followUpOpen(c: Pick<Complaint, "status" | "followUpAskedAt" | "followUpAnsweredAt">): boolean {
  return c.followUpAskedAt !== null && c.followUpAnsweredAt === null && followedUpStatuses.includes(c.status);
}

export function canDo(action: ComplaintAction, status: ComplaintStatus): boolean {
  return moves[action].from.includes(status);
}

/** A council member acting through the council's linked group. */
export interface CouncilActor {
  kind: "council";
  councilAreaCode: string;
  groupChatId: number;
  telegramId: number;
  name: string;
}
export interface CitizenActor {
  kind: "citizen";
  userId: number;
}
export type Actor = CouncilActor | CitizenActor;

export type Refusal = "not_found" | "not_yours" | "not_allowed" | "note_required" | "no_forward_target" | "already_answered";
export type TransitionResult =
  | { ok: true; complaint: Complaint; event: ComplaintEvent; before: Complaint }
  | { ok: false; reason: Refusal; complaint?: Complaint };

/** The council's group must be the one the complaint sits in, the citizen must be its author. */
function owns(actor: Actor, complaint: Complaint): boolean {
  if (actor.kind === "citizen") return complaint.userId === actor.userId;
  return complaint.councilAreaCode === actor.councilAreaCode && complaint.groupChatId === actor.groupChatId;
}

function actorColumns(actor: Actor) {
  return actor.kind === "citizen"
    ? { actorKind: "citizen" as const, actorUserId: actor.userId }
    : { actorKind: "council" as const, actorTelegramId: actor.telegramId, actorName: actor.name, councilAreaCode: actor.councilAreaCode };
}

/**
 * `answersFollowUp` (with "reopen"): the author's "no, it is not fixed any
 * more" to the follow-up question; allowed while that question is open, from
 * "closed" too, and it answers the question.
 */
export async function transitionComplaint(
  db: Database,
  input: { complaintId: number; action: ComplaintAction; actor: Actor; note?: string; answersFollowUp?: boolean },
): Promise<TransitionResult> {
  const move = moves[input.action];
  const note = input.note?.trim() || undefined;
  const viaFollowUp = input.answersFollowUp === true && input.action === "reopen";
  return db.transaction(async (tx) => {
    const [complaint] = await tx.select().from(complaints).where(eq(complaints.id, input.complaintId)).for("update");
    if (!complaint) return { ok: false, reason: "not_found" } as const;
    if (move.by !== input.actor.kind || !owns(input.actor, complaint)) return { ok: false, reason: "not_yours", complaint } as const;
    if (viaFollowUp && complaint.followUpAnsweredAt) return { ok: false, reason: "already_answered", complaint } as const;
    if (viaFollowUp ? !followUpOpen(complaint) : !move.from.includes(complaint.status)) return { ok: false, reason: "not_allowed", complaint } as const;
    // A reopen answers an open follow-up question, whichever button it came from.
    const answersFollowUp = input.action === "reopen" && complaint.followUpAskedAt !== null && complaint.followUpAnsweredAt === null;
    if (move.needsNote && !note) return { ok: false, reason: "note_required", complaint } as const;

    let forwardTo: string | undefined;
    if (input.action === "forward") {
      // Forwarding goes up one level: from a commune council to its district's.
      const [area] = await tx.select().from(areas).where(eq(areas.code, complaint.councilAreaCode ?? ""));
      if (area?.level !== "commune" || !area.parentCode) return { ok: false, reason: "no_forward_target", complaint } as const;
      forwardTo = area.parentCode;
    }
    const now = new Date();
    const [updated] = await tx
      .update(complaints)
      .set({
        status: move.to,
        updatedAt: now,
        ...(answersFollowUp ? { followUpAnsweredAt: now } : {}),
        // The district takes it over: its message is posted when its group is (or gets) linked.
        ...(forwardTo ? { councilAreaCode: forwardTo, groupChatId: null, groupMessageId: null } : {}),
      })
      .where(eq(complaints.id, complaint.id))
      .returning();
    const [event] = await tx
      .insert(complaintEvents)
      .values({
        complaintId: complaint.id,
        kind: "status",
        fromStatus: complaint.status,
        toStatus: move.to,
        ...actorColumns(input.actor),
        note: note ?? null,
        createdAt: now,
      })
      .returning();
    return { ok: true, complaint: updated!, event: event!, before: complaint } as const;
  });
}

export type NoteKind = "question" | "answer" | "info";
export type NoteResult = { ok: true; complaint: Complaint; event: ComplaintEvent } | { ok: false; reason: Refusal; complaint?: Complaint };

/**
 * A question from the council, the citizen's answer, or more information from
 * the citizen: no status change, one event, only while the complaint is open.
 */
export async function addComplaintNote(
  db: Database,
  input: { complaintId: number; kind: NoteKind; actor: Actor; text: string },
): Promise<NoteResult> {
  const text = input.text.trim();
  const by = input.kind === "question" ? "council" : "citizen";
  return db.transaction(async (tx) => {
    const [complaint] = await tx.select().from(complaints).where(eq(complaints.id, input.complaintId)).for("update");
    if (!complaint) return { ok: false, reason: "not_found" } as const;
    if (input.actor.kind !== by || !owns(input.actor, complaint)) return { ok: false, reason: "not_yours", complaint } as const;
    if (finished.includes(complaint.status)) return { ok: false, reason: "not_allowed", complaint } as const;
    if (!text) return { ok: false, reason: "note_required", complaint } as const;
    const [event] = await tx
      .insert(complaintEvents)
      .values({ complaintId: complaint.id, kind: input.kind, fromStatus: complaint.status, toStatus: complaint.status, ...actorColumns(input.actor), note: text })
      .returning();
    await tx.update(complaints).set({ updatedAt: new Date() }).where(eq(complaints.id, complaint.id));
    return { ok: true, complaint, event: event! } as const;
  });
}

/**
 * Claims the one overdue reminder of a complaint still waiting for its
 * council's acknowledgement. Undefined when it was acknowledged meanwhile or
 * already reminded (the job may run twice).
 */
export async function claimOverdueReminder(db: Database, complaintId: number): Promise<Complaint | undefined> {
  return db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(complaints)
      .set({ overdueNotifiedAt: new Date() })
      .where(and(eq(complaints.id, complaintId), eq(complaints.status, "new"), isNull(complaints.overdueNotifiedAt)))
      .returning();
    if (!claimed) return undefined;
    await tx.insert(complaintEvents).values({
      complaintId,
      kind: "overdue",
      fromStatus: claimed.status,
      toStatus: claimed.status,
      actorKind: "system",
      councilAreaCode: claimed.councilAreaCode,
    });
    return claimed;
  });
}

/**
 * Claims the one follow-up question of a resolved (or confirmed) complaint
 * whose author is known, with its event. Undefined when it was reopened
 * meanwhile, the author is gone, or it was asked already (the job may run
 * twice, or again after a later resolution).
 */
export async function claimFollowUp(db: Database, complaintId: number): Promise<{ complaint: Complaint; eventId: number } | undefined> {
  return db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(complaints)
      .set({ followUpAskedAt: new Date() })
      .where(and(eq(complaints.id, complaintId), inArray(complaints.status, [...followedUpStatuses]), isNull(complaints.followUpAskedAt), isNotNull(complaints.userId)))
      .returning();
    if (!claimed) return undefined;
    const [event] = await tx
      .insert(complaintEvents)
      .values({ complaintId, kind: "follow_up", fromStatus: claimed.status, toStatus: claimed.status, actorKind: "system", councilAreaCode: claimed.councilAreaCode })
      .returning({ id: complaintEvents.id });
    return { complaint: claimed, eventId: event!.id };
  });
}

/** The question could not be sent for a passing reason: it is asked again when the job is retried. */
export async function releaseFollowUp(db: Database, claim: { complaint: Complaint; eventId: number }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(complaintEvents).where(eq(complaintEvents.id, claim.eventId));
    await tx.update(complaints).set({ followUpAskedAt: null }).where(and(eq(complaints.id, claim.complaint.id), isNull(complaints.followUpAnsweredAt)));
  });
}

export type FollowUpAnswerResult = { ok: true; complaint: Complaint; event: ComplaintEvent } | { ok: false; reason: Refusal; complaint?: Complaint };

/** The author's "yes, still fixed": recorded once, as an event; the status stays. */
export async function recordStillFixed(db: Database, input: { complaintId: number; actor: CitizenActor }): Promise<FollowUpAnswerResult> {
  return db.transaction(async (tx) => {
    const [complaint] = await tx.select().from(complaints).where(eq(complaints.id, input.complaintId)).for("update");
    if (!complaint) return { ok: false, reason: "not_found" } as const;
    if (!owns(input.actor, complaint)) return { ok: false, reason: "not_yours", complaint } as const;
    if (complaint.followUpAnsweredAt) return { ok: false, reason: "already_answered", complaint } as const;
    if (!followUpOpen(complaint)) return { ok: false, reason: "not_allowed", complaint } as const;
    const now = new Date();
    const [updated] = await tx.update(complaints).set({ followUpAnsweredAt: now }).where(eq(complaints.id, complaint.id)).returning();
    const [event] = await tx
      .insert(complaintEvents)
      .values({ complaintId: complaint.id, kind: "still_fixed", fromStatus: complaint.status, toStatus: complaint.status, ...actorColumns(input.actor), createdAt: now })
      .returning();
    return { ok: true, complaint: updated!, event: event! } as const;
  });
}
