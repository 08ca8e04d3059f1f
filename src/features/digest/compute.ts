/**
 * What a council's digest says, as figures computed in SQL: ratings and
 * raters (women, youth, disability), per service median/mean/% satisfied
 * against the period before and its weakest criterion, informal payments,
 * complaints. Plain functions over the database; nothing here knows Telegram.
 *
 * Scope: a commune council's digest covers the commune-level services rated
 * in its commune and the complaints it owns; a district council's covers
 * every rating in its communes (commune-level services and its own OWSO and
 * council) and every complaint filed in its communes, whoever owns it now.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { MIN_RATINGS_SHOWN, SATISFIED_FROM } from "../catalogue/scale.js";
import { services } from "../catalogue/services.js";
import { OVERDUE_AFTER_MS } from "../complaints/jobs.js";
import type { Area } from "../councils/councils.js";
import type { Period, Periods } from "./period.js";

export type CouncilArea = Pick<Area, "code" | "level" | "nameKm" | "nameEn" | "unitKm" | "unitEn" | "parentCode">;

/** A figure is either shown or withheld because too few ratings stand behind it. */
export type Shown<T> = { shown: true; value: T; n: number } | { shown: false; n: number };

export interface Participation {
  ratings: number;
  raters: number;
  women: number;
  /** Null when no rating in the period carried the question (not collected). */
  youth: number | null;
  disability: number | null;
}

export interface ServiceScores {
  median: number;
  mean: number;
  satisfiedPct: number;
}

export interface CriterionScores {
  criterion: string;
  mean: number;
  satisfiedPct: number;
  n: number;
}

export interface ServiceFigures {
  service: string;
  current: Shown<ServiceScores>;
  previous: Shown<ServiceScores>;
  /** Change in % satisfied against the previous period, when both are shown. */
  change: number | null;
  /** The criterion with the lowest mean (at least 5 scores), when there is one. */
  weakest: CriterionScores | null;
}

export interface ComplaintFigures {
  new: number;
  acknowledged: number;
  resolved: number;
  open: number;
  overdue: number;
  /** Median hours from filing to acknowledgement, for those acknowledged in the period. */
  medianHoursToAcknowledge: number | null;
  topCategories: { category: string; count: number }[];
}

export interface DigestFigures {
  area: CouncilArea;
  periods: Periods;
  participation: Shown<Participation>;
  previousRatings: number;
  /** "Were you asked to pay anything extra?": yes answers out of those who answered. */
  informalPayments: Shown<{ yes: number; answered: number }>;
  services: ServiceFigures[];
  complaints: ComplaintFigures;
}

const ratingsCommuneLevel = services.filter((s) => s.level === "commune").map((s) => s.key);

/** Ratings of this council's area, as a condition on `r` (ratings). */
function ratingScope(area: CouncilArea): SQL {
  if (area.level === "district") {
    return sql`r.commune_code in (select code from areas where parent_code = ${area.code} and level = 'commune')`;
  }
  return sql`r.commune_code = ${area.code} and r.service in ${ratingsCommuneLevel}`;
}

/** Complaints of this council, as a condition on `c` (complaints). */
function complaintScope(area: CouncilArea): SQL {
  if (area.level === "district") {
    return sql`c.commune_code in (select code from areas where parent_code = ${area.code} and level = 'commune')`;
  }
  return sql`c.council_area_code = ${area.code}`;
}

/** An instant as a query parameter (postgres.js under drizzle's sql`` takes no Date). */
const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
const shown = <T>(n: number, value: T): Shown<T> => (n >= MIN_RATINGS_SHOWN ? { shown: true, value, n } : { shown: false, n });
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export async function computeDigest(db: Database, area: CouncilArea, periods: Periods): Promise<DigestFigures> {
  // The two periods are adjacent (the week before ends where this one starts): one range covers both.
  if (periods.previous.end.getTime() !== periods.current.start.getTime()) throw new Error("digest periods must be adjacent");
  const [participation, serviceRows, criterionRows, complaints] = await Promise.all([
    participationOf(db, area, periods),
    serviceScoresOf(db, area, periods),
    criterionScoresOf(db, area, periods.current),
    complaintsOf(db, area, periods.current),
  ]);
  const current = participation.get("c");
  const previous = participation.get("p");

  const byService = new Map<string, { c?: ServiceRow; p?: ServiceRow }>();
  for (const row of serviceRows) {
    const entry = byService.get(row.service) ?? {};
    entry[row.p] = row;
    byService.set(row.service, entry);
  }
  // District-level services first in a district's digest, then the catalogue's order.
  const ordered = [...services].sort((a, b) => (a.level === b.level ? 0 : a.level === "district" ? -1 : 1));
  const serviceFigures: ServiceFigures[] = [];
  for (const service of ordered) {
    const entry = byService.get(service.key);
    if (!entry) continue;
    const toShown = (row?: ServiceRow) => shown<ServiceScores>(row?.n ?? 0, { median: row?.median ?? 0, mean: row?.mean ?? 0, satisfiedPct: row?.sat ?? 0 });
    const c = toShown(entry.c);
    const p = toShown(entry.p);
    const criteria = criterionRows
      .filter((r) => r.service === service.key && r.n >= MIN_RATINGS_SHOWN)
      .sort((a, b) => a.mean - b.mean || a.satisfiedPct - b.satisfiedPct || service.criteria.indexOf(a.criterion) - service.criteria.indexOf(b.criterion));
    serviceFigures.push({
      service: service.key,
      current: c,
      previous: p,
      change: c.shown && p.shown ? c.value.satisfiedPct - p.value.satisfiedPct : null,
      weakest: c.shown && criteria[0] ? criteria[0] : null,
    });
  }

  const ratingsNow = current?.ratings ?? 0;
  return {
    area,
    periods,
    participation: shown<Participation>(ratingsNow, {
      ratings: ratingsNow,
      raters: current?.raters ?? 0,
      women: current?.women ?? 0,
      youth: current?.youthAsked ? current.youth : null,
      disability: current?.disabilityAsked ? current.disability : null,
    }),
    previousRatings: previous?.ratings ?? 0,
    informalPayments: shown(current?.paidAsked ?? 0, { yes: current?.paidYes ?? 0, answered: current?.paidAsked ?? 0 }),
    services: serviceFigures,
    complaints,
  };
}

interface ParticipationRow {
  ratings: number;
  raters: number;
  women: number;
  youth: number;
  youthAsked: boolean;
  disability: number;
  disabilityAsked: boolean;
  paidYes: number;
  paidAsked: number;
}

/** Both periods in one pass: "c" (current) and "p" (previous). */
async function participationOf(db: Database, area: CouncilArea, { current, previous }: Periods): Promise<Map<"c" | "p", ParticipationRow>> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select p,
      count(*) as ratings,
      count(distinct rater) as raters,
      count(distinct rater) filter (where sex = 'female') as women,
      count(distinct rater) filter (where age_group = '15_30') as youth,
      bool_or(age_group is not null) as youth_asked,
      count(distinct rater) filter (where disability) as disability,
      bool_or(disability is not null) as disability_asked,
      count(*) filter (where informal_payment = 'yes') as paid_yes,
      count(*) filter (where informal_payment is not null) as paid_asked
    from (
      select case when r.created_at >= ${ts(current.start)} then 'c' else 'p' end as p,
        -- One person rating several services counts once: the citizen, or the interview.
        coalesce('u' || r.rater_user_id, 'i' || r.interview_id, 'r' || r.id) as rater,
        r.sex, r.age_group, r.disability, r.informal_payment
      from ratings r
      where ${ratingScope(area)} and r.superseded_at is null
        and r.created_at >= ${ts(previous.start)} and r.created_at < ${ts(current.end)}
    ) x
    group by p`);
  return new Map(
    rows.map((r) => [
      r.p as "c" | "p",
      {
        ratings: num(r.ratings),
        raters: num(r.raters),
        women: num(r.women),
        youth: num(r.youth),
        youthAsked: r.youth_asked === true,
        disability: num(r.disability),
        disabilityAsked: r.disability_asked === true,
        paidYes: num(r.paid_yes),
        paidAsked: num(r.paid_asked),
      },
    ]),
  );
}

interface ServiceRow {
  p: "c" | "p";
  service: string;
  n: number;
  median: number;
  mean: number;
  sat: number;
}

/**
 * Per service and period, over all criterion scores of its ratings: the
 * median (percentile_cont, rounded up as ISAF reports it), the mean (one
 * decimal) and the share of scores at 4–5. n counts ratings, not scores.
 */
async function serviceScoresOf(db: Database, area: CouncilArea, { current, previous }: Periods): Promise<ServiceRow[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select case when r.created_at >= ${ts(current.start)} then 'c' else 'p' end as p, r.service,
      count(distinct r.id) as n,
      ceil(percentile_cont(0.5) within group (order by s.score)) as median,
      round(avg(s.score), 1) as mean,
      round(100.0 * count(*) filter (where s.score >= ${SATISFIED_FROM}) / count(*)) as sat
    from ratings r join rating_scores s on s.rating_id = r.id
    where ${ratingScope(area)} and r.superseded_at is null
      and r.created_at >= ${ts(previous.start)} and r.created_at < ${ts(current.end)}
    group by 1, 2`);
  return rows.map((r) => ({ p: r.p as "c" | "p", service: String(r.service), n: num(r.n), median: num(r.median), mean: num(r.mean), sat: num(r.sat) }));
}

async function criterionScoresOf(db: Database, area: CouncilArea, period: Period): Promise<(CriterionScores & { service: string })[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select r.service, s.criterion, count(*) as n, round(avg(s.score), 1) as mean,
      round(100.0 * count(*) filter (where s.score >= ${SATISFIED_FROM}) / count(*)) as sat
    from ratings r join rating_scores s on s.rating_id = r.id
    where ${ratingScope(area)} and r.superseded_at is null and r.created_at >= ${ts(period.start)} and r.created_at < ${ts(period.end)}
    group by 1, 2`);
  return rows.map((r) => ({ service: String(r.service), criterion: String(r.criterion), n: num(r.n), mean: num(r.mean), satisfiedPct: num(r.sat) }));
}

const openStatuses = ["new", "forwarded", "acknowledged", "in_progress"];

/**
 * Complaints: filed in the period; acknowledged and resolved in it (by their
 * status events); open now among those filed before the period's end; overdue
 * (still "new", filed more than 7 days before the period's end); the median
 * time from filing to the first acknowledgement, for those acknowledged in
 * the period; the three most frequent categories of the new ones.
 */
async function complaintsOf(db: Database, area: CouncilArea, period: Period): Promise<ComplaintFigures> {
  const overdueBefore = new Date(period.end.getTime() - OVERDUE_AFTER_MS);
  const [counts] = await db.execute<Record<string, unknown>>(sql`
    with scoped as (select c.id, c.status, c.created_at, c.category from complaints c where ${complaintScope(area)}),
    moves as (
      select e.complaint_id, e.to_status, e.created_at from complaint_events e join scoped on scoped.id = e.complaint_id
      where e.kind = 'status' and e.to_status in ('acknowledged', 'resolved')),
    first_ack as (select complaint_id, min(created_at) as at from moves where to_status = 'acknowledged' group by 1)
    select
      (select count(*) from scoped where created_at >= ${ts(period.start)} and created_at < ${ts(period.end)}) as new,
      (select count(distinct complaint_id) from moves where to_status = 'acknowledged' and created_at >= ${ts(period.start)} and created_at < ${ts(period.end)}) as acknowledged,
      (select count(distinct complaint_id) from moves where to_status = 'resolved' and created_at >= ${ts(period.start)} and created_at < ${ts(period.end)}) as resolved,
      (select count(*) from scoped where status in ${openStatuses} and created_at < ${ts(period.end)}) as open,
      (select count(*) from scoped where status = 'new' and created_at < ${ts(overdueBefore)}) as overdue,
      (select percentile_cont(0.5) within group (order by extract(epoch from (a.at - s.created_at)) / 3600)
         from first_ack a join scoped s on s.id = a.complaint_id where a.at >= ${ts(period.start)} and a.at < ${ts(period.end)}) as median_hours,
      (select coalesce(json_agg(json_build_object('category', category, 'count', n) order by n desc, category), '[]'::json)
         from (select category, count(*) as n from scoped where created_at >= ${ts(period.start)} and created_at < ${ts(period.end)}
               group by 1 order by 2 desc, 1 limit 3) t) as top`);
  const top = (typeof counts!.top === "string" ? JSON.parse(counts!.top) : counts!.top) as { category: string; count: number }[];
  return {
    new: num(counts!.new),
    acknowledged: num(counts!.acknowledged),
    resolved: num(counts!.resolved),
    open: num(counts!.open),
    overdue: num(counts!.overdue),
    medianHoursToAcknowledge: counts!.median_hours === null ? null : Number(counts!.median_hours),
    topCategories: top.map((t) => ({ category: t.category, count: Number(t.count) })),
  };
}

export interface CommuneComparison {
  area: CouncilArea;
  /** % satisfied over the commune-level services, when at least 5 ratings. */
  current: Shown<{ satisfiedPct: number }>;
  change: number | null;
}

/**
 * A district's communes side by side for staff: % satisfied over their
 * commune-level services this period (ranked, best first) and the change
 * against the period before. Communes under 5 ratings come last, unranked.
 */
export async function compareCommunes(db: Database, districtCode: string, { current, previous }: Periods): Promise<CommuneComparison[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    with scores as (
      select r.commune_code, r.id, s.score, r.created_at >= ${ts(current.start)} as cur
      from ratings r join rating_scores s on s.rating_id = r.id
      where r.commune_code in (select code from areas where parent_code = ${districtCode} and level = 'commune')
        and r.service in ${ratingsCommuneLevel} and r.superseded_at is null
        and r.created_at >= ${ts(previous.start)} and r.created_at < ${ts(current.end)}
    ),
    per as (
      select commune_code,
        count(distinct id) filter (where cur) as n,
        round(100.0 * count(*) filter (where cur and score >= ${SATISFIED_FROM}) / nullif(count(*) filter (where cur), 0)) as sat,
        count(distinct id) filter (where not cur) as pn,
        round(100.0 * count(*) filter (where not cur and score >= ${SATISFIED_FROM}) / nullif(count(*) filter (where not cur), 0)) as psat
      from scores group by 1
    )
    select a.code, a.level, a.name_km, a.name_en, a.unit_km, a.unit_en, a.parent_code, per.n, per.sat, per.pn, per.psat
    from areas a left join per on per.commune_code = a.code
    where a.parent_code = ${districtCode} and a.level = 'commune'
    order by a.code`);
  const result = rows.map((r): CommuneComparison => {
    const n = num(r.n);
    const pn = num(r.pn);
    const cur = shown(n, { satisfiedPct: num(r.sat) });
    return {
      area: { code: String(r.code), level: "commune", nameKm: String(r.name_km), nameEn: String(r.name_en), unitKm: (r.unit_km as string | null) ?? null, unitEn: (r.unit_en as string | null) ?? null, parentCode: (r.parent_code as string | null) ?? null },
      current: cur,
      change: cur.shown && pn >= MIN_RATINGS_SHOWN ? cur.value.satisfiedPct - num(r.psat) : null,
    };
  });
  const rank = (c: CommuneComparison) => (c.current.shown ? c.current.value.satisfiedPct : -1);
  return result.sort((a, b) => rank(b) - rank(a) || (b.current.n - a.current.n) || a.area.code.localeCompare(b.area.code));
}
