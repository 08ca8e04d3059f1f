/**
 * Who was at a forum: check-in by the forum's deep link (?start=f_<id>_<code>) on
 * the day, and people without Telegram counted with +1 buttons by a
 * volunteer or staff member. One forum_checkins row per person present (see
 * the table's comment), so totals and groups always add up.
 *
 * "On the day" is the forum's own date in the configured time zone: check-in
 * opens CHECKIN_OPENS_BEFORE_MS before the start and closes at the end of
 * that day. Counting stays open COUNTING_GRACE_DAYS longer, for tallies kept
 * on paper and entered afterwards.
 */
import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { Database, DatabaseOrTransaction } from "../../db/client.js";
import { forumCheckins, users, type Forum } from "../../db/schema/index.js";
import { wallClock } from "../../i18n.js";
import { sameSecret } from "../../secrets.js";
import { getForum } from "./forums.js";
import { fromWallClock } from "./time.js";

export const CHECKIN_OPENS_BEFORE_MS = 2 * 3_600_000;
export const COUNTING_GRACE_DAYS = 2;

export interface CheckinWindow {
  opensAt: Date;
  /** End of the forum's day (local midnight after it). */
  closesAt: Date;
  /** Counting by +1 closes later. */
  countingClosesAt: Date;
}

/** Local midnight `days` days after the forum's own date. */
function midnightAfter(forum: Pick<Forum, "startsAt">, timeZone: string, days: number): Date {
  const day = wallClock(forum.startsAt, timeZone);
  const next = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return fromWallClock(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, timeZone)!;
}

export function checkinWindow(forum: Pick<Forum, "startsAt">, timeZone: string): CheckinWindow {
  return {
    opensAt: new Date(forum.startsAt.getTime() - CHECKIN_OPENS_BEFORE_MS),
    closesAt: midnightAfter(forum, timeZone, 1),
    countingClosesAt: midnightAfter(forum, timeZone, 1 + COUNTING_GRACE_DAYS),
  };
}

export type CheckinResult =
  | { ok: true; forum: Forum; already: boolean }
  | { ok: false; reason: "missing" | "cancelled" | "too_early" | "closed"; forum?: Forum; window?: CheckinWindow };

/**
 * The person is present: once per forum, however often they open the link. The link gives the
 * forum's id and its code; a wrong code is as good as no forum.
 */
export async function checkIn(db: Database, link: { forumId: number; code: string }, userId: number, timeZone: string, now = new Date()): Promise<CheckinResult> {
  const { forumId } = link;
  const open = await openForCounting(db, forumId, timeZone, now, { checkinCode: link.code });
  if (!open.ok) return open;
  const inserted = await db
    .insert(forumCheckins)
    .values({ forumId, source: "telegram", userId, createdAt: now })
    .onConflictDoNothing({ target: [forumCheckins.forumId, forumCheckins.userId] })
    .returning({ id: forumCheckins.id });
  return { ok: true, forum: open.forum, already: inserted.length === 0 };
}

/** Whether people can be checked in (or counted) at this forum now. */
export async function openForCounting(
  db: Database,
  forumId: number,
  timeZone: string,
  now: Date,
  /** Check-in by link (which must carry the forum's code), or counting by +1 (staff and volunteers; counting closes later). */
  kind: { checkinCode: string } | "counting",
): Promise<{ ok: true; forum: Forum; window: CheckinWindow } | { ok: false; reason: "missing" | "cancelled" | "too_early" | "closed"; forum?: Forum; window?: CheckinWindow }> {
  const forum = await getForum(db, forumId);
  if (!forum || forum.status === "draft") return { ok: false, reason: "missing" };
  // Nothing about the forum, not even its title, for a link whose code is wrong.
  if (kind !== "counting" && !sameSecret(kind.checkinCode, forum.checkinCode)) return { ok: false, reason: "missing" };
  if (forum.status === "cancelled") return { ok: false, reason: "cancelled", forum };
  const window = checkinWindow(forum, timeZone);
  if (now < window.opensAt) return { ok: false, reason: "too_early", forum, window };
  if (now >= (kind === "counting" ? window.countingClosesAt : window.closesAt)) return { ok: false, reason: "closed", forum, window };
  return { ok: true, forum, window };
}

/** The groups a counted person belongs to; sex null when not said. */
export interface CountedPerson {
  sex: "female" | "male" | null;
  youth: boolean;
  disability: boolean;
}

export async function countPerson(db: Database, forumId: number, countedBy: number, person: CountedPerson, now = new Date()): Promise<void> {
  await db.insert(forumCheckins).values({ forumId, source: "counted", countedBy, sex: person.sex, youth: person.youth, disability: person.disability, createdAt: now });
}

/** Takes back the counter's latest +1 at this forum; returns what it was (undefined: nothing to undo). */
export async function undoLastCount(db: Database, forumId: number, countedBy: number): Promise<CountedPerson | undefined> {
  const [last] = await db
    .select()
    .from(forumCheckins)
    .where(and(eq(forumCheckins.forumId, forumId), eq(forumCheckins.countedBy, countedBy), eq(forumCheckins.source, "counted")))
    .orderBy(desc(forumCheckins.id))
    .limit(1);
  if (!last) return undefined;
  await db.delete(forumCheckins).where(eq(forumCheckins.id, last.id));
  return { sex: last.sex === "female" || last.sex === "male" ? last.sex : null, youth: !!last.youth, disability: !!last.disability };
}

export interface PresenceSplit {
  total: number;
  women: number;
  men: number;
  youth: number;
  disability: number;
}
export interface Presence {
  checkedIn: PresenceSplit;
  counted: PresenceSplit;
}

/**
 * The select that splits a forum's rows by source and group, shared by the
 * staff view and the forums export (which runs it per forum as a lateral
 * join). `forum` is a SQL expression for the forum id.
 */
export function presenceSelect(forum: string): string {
  const sex = "case when k.user_id is not null then u.sex else k.sex end";
  const youth = "case when k.user_id is not null then u.age_group = '15_30' else k.youth end";
  const disability = "case when k.user_id is not null then u.has_disability else k.disability end";
  const split = (source: string) => `
    count(*) filter (where k.source = '${source}') as ${source}_total,
    count(*) filter (where k.source = '${source}' and ${sex} = 'female') as ${source}_women,
    count(*) filter (where k.source = '${source}' and ${sex} = 'male') as ${source}_men,
    count(*) filter (where k.source = '${source}' and ${youth}) as ${source}_youth,
    count(*) filter (where k.source = '${source}' and ${disability}) as ${source}_disability`;
  return `select ${split("telegram")}, ${split("counted")}
    from forum_checkins k left join users u on u.id = k.user_id where k.forum_id = ${forum}`;
}

export async function presenceAt(db: Database, forumId: number): Promise<Presence> {
  const [row] = await db.execute<Record<string, string>>(sql.raw(presenceSelect(String(Math.trunc(forumId)))));
  const split = (source: string): PresenceSplit => ({
    total: Number(row?.[`${source}_total`] ?? 0),
    women: Number(row?.[`${source}_women`] ?? 0),
    men: Number(row?.[`${source}_men`] ?? 0),
    youth: Number(row?.[`${source}_youth`] ?? 0),
    disability: Number(row?.[`${source}_disability`] ?? 0),
  });
  return { checkedIn: split("telegram"), counted: split("counted") };
}

/**
 * /forget: the person's check-ins keep the groups they counted in (copied
 * from the profile) and lose the link to them; their +1 counts lose the
 * counter's name.
 */
export async function detachCheckinsFrom(tx: DatabaseOrTransaction, userId: number): Promise<void> {
  await tx
    .update(forumCheckins)
    .set({
      sex: sql`(select case when ${users.sex} in ('female', 'male', 'other') then ${users.sex} end from ${users} where ${users.id} = ${userId})`,
      youth: sql`(select ${users.ageGroup} = '15_30' from ${users} where ${users.id} = ${userId})`,
      disability: sql`(select ${users.hasDisability} from ${users} where ${users.id} = ${userId})`,
      userId: null,
    })
    .where(and(eq(forumCheckins.userId, userId), isNotNull(forumCheckins.userId)));
  await tx.update(forumCheckins).set({ countedBy: null }).where(eq(forumCheckins.countedBy, userId));
}
