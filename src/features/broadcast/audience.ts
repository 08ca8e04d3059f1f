/**
 * Who a broadcast reaches. Each audience kind pages through its recipients by
 * keyset (key > last, ascending, in batches), so a 100,000-recipient audience
 * is never held in memory, and counts them for the preview.
 *
 * To add a kind (e.g. the council groups of an area, once `councils` exists):
 * add it to AudienceSpec in db/schema/broadcasts.ts, write its source here,
 * register it in `audienceSources`, and list it in `staffAudienceChoices`
 * if staff may pick it in /broadcast.
 */
import { and, asc, count, eq, gt, inArray, isNotNull, like, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { commitments, complaints, councils, deliveries, broadcasts, forumCheckins, forumRsvps, ratings, users, type AudienceSpec } from "../../db/schema/index.js";
import { asLanguage, type Language } from "../../i18n.js";

export interface Recipient {
  /** The keyset key (ascending, unique within the audience). */
  key: number;
  chatId: number;
  userId: number | null;
  language: Language;
}

interface AudienceSource<S extends AudienceSpec> {
  page(db: Database, spec: S, after: number, limit: number): Promise<Recipient[]>;
  count(db: Database, spec: S): Promise<number>;
}

/** A person who can be written to: known chat, has not blocked the bot. */
const reachable = and(isNotNull(users.telegramId), eq(users.blockedBot, false));

/** Citizens whose commune lies in one of the areas (a code covers the communes under it); no areas = everyone. */
function inAreas(areaCodes: string[]): SQL | undefined {
  if (areaCodes.length === 0) return undefined;
  return or(...areaCodes.map((code) => like(users.communeCode, `${code.replace(/[^0-9]/g, "")}%`)));
}

function citizenWhere(spec: { areaCodes: string[] }): SQL | undefined {
  return and(reachable, eq(users.announcements, true), inAreas(spec.areaCodes));
}

async function pageOfUsers(db: Database, where: SQL | undefined, after: number, limit: number): Promise<Recipient[]> {
  const rows = await db
    .select({ id: users.id, telegramId: users.telegramId, language: users.language })
    .from(users)
    .where(and(where, gt(users.id, after)))
    .orderBy(asc(users.id))
    .limit(limit);
  return rows.map((r) => ({ key: r.id, chatId: r.telegramId!, userId: r.id, language: asLanguage(r.language) }));
}

async function countUsers(db: Database, where: SQL | undefined): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(where);
  return row?.n ?? 0;
}

/** People who answered the forum's RSVP with one of the answers (reminders go to Going and Maybe). */
function rsvpWhere(spec: { forumId: number; answers: string[] }): SQL | undefined {
  const answered = db_in(
    sql`select ${forumRsvps.userId} from ${forumRsvps} where ${forumRsvps.forumId} = ${spec.forumId} and ${inArray(forumRsvps.answer, spec.answers as never[])}`,
  );
  return and(reachable, answered);
}

/**
 * Everyone the forum concerns now: whoever received its announcement (or is
 * receiving it this very moment: "sending") or answered its RSVP (updates and cancellations go to them, even if they turned
 * announcements off after saying they would come).
 */
function followersWhere(spec: { forumId: number }): SQL | undefined {
  const announcedTo = sql`select ${deliveries.userId} from ${deliveries} join ${broadcasts} on ${broadcasts.id} = ${deliveries.broadcastId}
    where ${broadcasts.forumId} = ${spec.forumId} and ${broadcasts.kind} = 'forum_announcement' and ${deliveries.status} in ('sent', 'sending')`;
  const answered = sql`select ${forumRsvps.userId} from ${forumRsvps} where ${forumRsvps.forumId} = ${spec.forumId}`;
  return and(reachable, or(db_in(announcedTo), db_in(answered)));
}

/** Linked council groups whose council's area lies in one of the areas (none given: every linked group). */
function councilGroupsWhere(spec: { areaCodes: string[] }): SQL | undefined {
  const inAreas = spec.areaCodes.length === 0 ? undefined : or(...spec.areaCodes.map((code) => like(councils.areaCode, `${code.replace(/[^0-9]/g, "")}%`)));
  return and(isNotNull(councils.groupChatId), inAreas);
}

/**
 * Who took part where in [from, to): (user_id, commune_code) of everyone who
 * rated a service there (a rating that still counts: not superseded) or filed
 * a complaint there, anonymous or not (an anonymous complainant is still a
 * citizen Mati may write to privately; the council never learns who). The
 * commune results' audience, and the communes that get results at all.
 */
export function participation(period: { from: string; to: string }): SQL {
  const from = sql`${period.from}::timestamptz`;
  const to = sql`${period.to}::timestamptz`;
  return sql`(
    select ${ratings.raterUserId} as user_id, ${ratings.communeCode} as commune_code from ${ratings}
    where ${ratings.raterUserId} is not null and ${ratings.supersededAt} is null and ${ratings.createdAt} >= ${from} and ${ratings.createdAt} < ${to}
    union
    select ${complaints.userId}, ${complaints.communeCode} from ${complaints}
    where ${complaints.userId} is not null and ${complaints.createdAt} >= ${from} and ${complaints.createdAt} < ${to}
  )`;
}

/** Participants of the commune in the period who can be written to and want its results. */
function participantsWhere(spec: { communeCode: string; from: string; to: string }): SQL | undefined {
  const took = sql`select p.user_id from ${participation(spec)} p where p.commune_code = ${spec.communeCode}`;
  return and(reachable, eq(users.communeResults, true), db_in(took));
}

/**
 * The citizens asked whether a commitment really happened: people whose
 * commune lies in the commitment's area and who rated its service there, or
 * checked in at its forum. Asked whatever their announcements setting (it is
 * about what they said, not news), like forum followers.
 */
function verifiersWhere(spec: { commitmentId: number }): SQL | undefined {
  const c = sql`(select ${commitments.areaCode} from ${commitments} where ${commitments.id} = ${spec.commitmentId})`;
  const rated = sql`select ${ratings.raterUserId} from ${ratings}, ${commitments}
    where ${commitments.id} = ${spec.commitmentId} and ${ratings.service} = ${commitments.serviceKey}
      and ${ratings.communeCode} like ${commitments.areaCode} || '%' and ${ratings.raterUserId} is not null`;
  const attended = sql`select ${forumCheckins.userId} from ${forumCheckins}, ${commitments}
    where ${commitments.id} = ${spec.commitmentId} and ${forumCheckins.forumId} = ${commitments.forumId} and ${forumCheckins.userId} is not null`;
  return and(reachable, sql`${users.communeCode} like ${c} || '%'`, or(db_in(rated), db_in(attended)));
}

function db_in(subquery: SQL): SQL {
  return sql`${users.id} in (${subquery})`;
}

const audienceSources: { [K in AudienceSpec["kind"]]: AudienceSource<Extract<AudienceSpec, { kind: K }>> } = {
  citizens: {
    page: (db, spec, after, limit) => pageOfUsers(db, citizenWhere(spec), after, limit),
    count: (db, spec) => countUsers(db, citizenWhere(spec)),
  },
  forum_rsvp: {
    page: (db, spec, after, limit) => pageOfUsers(db, rsvpWhere(spec), after, limit),
    count: (db, spec) => countUsers(db, rsvpWhere(spec)),
  },
  forum_followers: {
    page: (db, spec, after, limit) => pageOfUsers(db, followersWhere(spec), after, limit),
    count: (db, spec) => countUsers(db, followersWhere(spec)),
  },
  commune_participants: {
    page: (db, spec, after, limit) => pageOfUsers(db, participantsWhere(spec), after, limit),
    count: (db, spec) => countUsers(db, participantsWhere(spec)),
  },
  commitment_verifiers: {
    page: (db, spec, after, limit) => pageOfUsers(db, verifiersWhere(spec), after, limit),
    count: (db, spec) => countUsers(db, verifiersWhere(spec)),
  },
  council_groups: {
    page: async (db, spec, after, limit) => {
      const rows = await db
        .select({ id: councils.id, chatId: councils.groupChatId, language: councils.language })
        .from(councils)
        .where(and(councilGroupsWhere(spec), gt(councils.id, after)))
        .orderBy(asc(councils.id))
        .limit(limit);
      return rows.map((r) => ({ key: r.id, chatId: r.chatId!, userId: null, language: r.language }));
    },
    count: async (db, spec) => (await db.select({ n: count() }).from(councils).where(councilGroupsWhere(spec)))[0]?.n ?? 0,
  },
};

/** The next batch of recipients after `after` (keyset), at most `limit`. */
export function audiencePage(db: Database, spec: AudienceSpec, after: number, limit: number): Promise<Recipient[]> {
  return (audienceSources[spec.kind] as AudienceSource<AudienceSpec>).page(db, spec, after, limit);
}

export function countAudience(db: Database, spec: AudienceSpec): Promise<number> {
  return (audienceSources[spec.kind] as AudienceSource<AudienceSpec>).count(db, spec);
}

/** What staff may choose in /broadcast, in menu order. */
export const staffAudienceChoices = [
  { kind: "citizens_in_areas", labelKey: "broadcast.audience_areas", needsAreas: true },
  { kind: "all_citizens", labelKey: "broadcast.audience_everyone", needsAreas: false },
  { kind: "council_groups_in_areas", labelKey: "broadcast.audience_councils", needsAreas: true },
] as const;
export type StaffAudienceChoice = (typeof staffAudienceChoices)[number]["kind"];

/** A staff choice (and the areas picked) → the audience it means. */
export function audienceFor(choice: StaffAudienceChoice, areaCodes: string[]): AudienceSpec {
  switch (choice) {
    case "citizens_in_areas":
      return { kind: "citizens", areaCodes };
    case "all_citizens":
      return { kind: "citizens", areaCodes: [] };
    case "council_groups_in_areas":
      return { kind: "council_groups", areaCodes };
  }
}
