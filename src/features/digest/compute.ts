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

/**
 * The councils' areas as a table `scope(council, commune, all_services)`:
 * a commune council covers its own commune's commune-level services; a
 * district council every rating in its communes. Codes are inlined as a list
 * so that the planner sees how few there are (one council: index scans;
 * every council: one hashed pass).
 */
function scopeOf(codes: string[]): SQL {
  return sql`scope as (
    select a.code as council, a.code as commune, false as all_services from areas a where a.level = 'commune' and a.code in ${codes}
    union all
    select c.parent_code, c.code, true from areas c
    where c.level = 'commune' and c.parent_code in (select d.code from areas d where d.level = 'district' and d.code in ${codes}))`;
}

/** Ratings `r` that belong to the scope row `sc`. */
const inScope = sql`sc.commune = r.commune_code and (sc.all_services or r.service in ${ratingsCommuneLevel})`;

/** An instant as a query parameter (postgres.js under drizzle's sql`` takes no Date). */
const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
const shown = <T>(n: number, value: T): Shown<T> => (n >= MIN_RATINGS_SHOWN ? { shown: true, value, n } : { shown: false, n });
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Every council's digest figures in one pass over the period's rows (the
 * weekly run: all linked councils at once), keyed by area code. Each query
 * groups by council; a commune's ratings count for its own council and its
 * district's.
 */
export async function computeDigests(db: Database, areas: CouncilArea[], periods: Periods): Promise<Map<string, DigestFigures>> {
  // The two periods are adjacent (the week before ends where this one starts): one range covers both.
  if (periods.previous.end.getTime() !== periods.current.start.getTime()) throw new Error("digest periods must be adjacent");
  const result = new Map<string, DigestFigures>();
  if (areas.length === 0) return result;
  const codes = [...new Set(areas.map((a) => a.code))];
  const [participation, scoreRows, complaints] = await Promise.all([
    participationOf(db, codes, periods),
    scoresOf(db, codes, periods),
    complaintsOf(db, codes, periods.current),
  ]);
  for (const area of areas) {
    result.set(area.code, figuresOf(area, periods, participation.get(area.code), scoreRows.get(area.code) ?? [], complaints.get(area.code) ?? noComplaints()));
  }
  return result;
}

/** One council's digest figures (the same queries, scoped to it). */
export async function computeDigest(db: Database, area: CouncilArea, periods: Periods): Promise<DigestFigures> {
  return (await computeDigests(db, [area], periods)).get(area.code)!;
}

function figuresOf(
  area: CouncilArea,
  periods: Periods,
  participation: Map<"c" | "p", ParticipationRow> | undefined,
  scoreRows: ScoreRow[],
  complaints: ComplaintFigures,
): DigestFigures {
  const current = participation?.get("c");
  const previous = participation?.get("p");
  const byService = new Map<string, { c?: ScoreRow; p?: ScoreRow }>();
  for (const row of scoreRows) {
    if (row.criterion !== null) continue;
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
    const toShown = (row?: ScoreRow) => shown<ServiceScores>(row?.n ?? 0, { median: row?.median ?? 0, mean: row?.mean ?? 0, satisfiedPct: row?.sat ?? 0 });
    const c = toShown(entry.c);
    const p = toShown(entry.p);
    const criteria = scoreRows
      .filter((r) => r.service === service.key && r.criterion !== null && r.n >= MIN_RATINGS_SHOWN)
      .map((r): CriterionScores => ({ criterion: r.criterion!, mean: r.mean, satisfiedPct: r.sat, n: r.n }))
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

/** From this many councils a pass groups enough rows to want more sort memory. */
const MANY_COUNCILS = 50;

/**
 * Planner settings for this transaction only. Many councils (the weekly
 * run): group the country's week in memory (hash aggregates) instead of
 * sorting it on disk, a few tens of MB. A few councils (/stats, /digest, the
 * open-data summary): no parallel workers, whose start-up costs more than the
 * few hundred rows they would share out.
 */
async function withPlannerSettings<T>(db: Database, councils: number, run: (tx: Database) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    if (councils >= MANY_COUNCILS) await tx.execute(sql`select set_config('work_mem', '64MB', true)`);
    else await tx.execute(sql`select set_config('max_parallel_workers_per_gather', '0', true)`);
    return run(tx as unknown as Database);
  });
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

/**
 * Ratings and distinct raters per council and period ("c" current, "p"
 * previous). One person rating several services, or in two communes of one
 * district, counts once: raters are grouped first, then counted.
 */
async function participationOf(db: Database, codes: string[], { current, previous }: Periods): Promise<Map<string, Map<"c" | "p", ParticipationRow>>> {
  const rows = await withPlannerSettings(db, codes.length, (tx) =>
    tx.execute<Record<string, unknown>>(sql`
      with ${scopeOf(codes)},
      per_rater as (
        select sc.council, case when r.created_at >= ${ts(current.start)} then 'c' else 'p' end as p,
          -- The citizen, or the interview (a respondent without Telegram).
          coalesce('u' || r.rater_user_id, 'i' || r.interview_id, 'r' || r.id) as rater,
          count(*) as ratings,
          bool_or(r.sex = 'female') as female,
          bool_or(r.age_group = '15_30') as youth, bool_or(r.age_group is not null) as youth_asked,
          bool_or(r.disability) as disability, bool_or(r.disability is not null) as disability_asked,
          count(*) filter (where r.informal_payment = 'yes') as paid_yes,
          count(*) filter (where r.informal_payment is not null) as paid_asked
        from ratings r join scope sc on ${inScope}
        where r.superseded_at is null and r.created_at >= ${ts(previous.start)} and r.created_at < ${ts(current.end)}
        group by 1, 2, 3
      )
      select council, p, sum(ratings) as ratings, count(*) as raters,
        count(*) filter (where female) as women,
        count(*) filter (where youth) as youth, bool_or(youth_asked) as youth_asked,
        count(*) filter (where disability) as disability, bool_or(disability_asked) as disability_asked,
        sum(paid_yes) as paid_yes, sum(paid_asked) as paid_asked
      from per_rater group by 1, 2`),
  );
  const byCouncil = new Map<string, Map<"c" | "p", ParticipationRow>>();
  for (const r of rows) {
    const council = String(r.council);
    const entry = byCouncil.get(council) ?? new Map();
    entry.set(r.p as "c" | "p", {
      ratings: num(r.ratings),
      raters: num(r.raters),
      women: num(r.women),
      youth: num(r.youth),
      youthAsked: r.youth_asked === true,
      disability: num(r.disability),
      disabilityAsked: r.disability_asked === true,
      paidYes: num(r.paid_yes),
      paidAsked: num(r.paid_asked),
    });
    byCouncil.set(council, entry);
  }
  return byCouncil;
}

/** A service's figures for a period (criterion null), or one criterion's in the current period. */
interface ScoreRow {
  p: "c" | "p";
  service: string;
  criterion: string | null;
  /** Ratings with at least one score (a service), or scores (a criterion). */
  n: number;
  median: number;
  mean: number;
  sat: number;
}

/**
 * Per council, service and period, over all criterion scores of its ratings:
 * the median (percentile_cont, rounded up as ISAF reports it), the mean (one
 * decimal) and the share of scores at 4–5; and per criterion in the current
 * period, its mean and share (the weakest is named).
 *
 * Scores are counted once per commune, service, period, criterion and value
 * (a histogram: at most five values per criterion), and each council sums the
 * histograms of its communes, so the country's week is read once however
 * many councils share it. The median comes from the cumulative counts exactly
 * as percentile_cont would compute it over the sorted scores: the value at
 * position (N−1)/2, halfway between two values when N is even.
 */
async function scoresOf(db: Database, codes: string[], { current, previous }: Periods): Promise<Map<string, ScoreRow[]>> {
  const rows = await withPlannerSettings(db, codes.length, (tx) =>
    tx.execute<Record<string, unknown>>(sql`
      with ${scopeOf(codes)},
      communes as (select distinct commune from scope),
      period_ratings as (
        select r.id, r.commune_code, r.service, case when r.created_at >= ${ts(current.start)} then 'c' else 'p' end as p
        from ratings r join communes on communes.commune = r.commune_code
        where r.superseded_at is null and r.created_at >= ${ts(previous.start)} and r.created_at < ${ts(current.end)}
      ),
      hist as (
        select r.commune_code, r.service, r.p, s.criterion, s.score, count(*) as n
        from period_ratings r join rating_scores s on s.rating_id = r.id
        group by 1, 2, 3, 4, 5
      ),
      rated as (
        select r.commune_code, r.service, r.p, count(*) as n from period_ratings r
        where exists (select 1 from rating_scores s where s.rating_id = r.id)
        group by 1, 2, 3
      ),
      council_hist as (
        select sc.council, h.service, h.p, h.criterion, h.score, sum(h.n) as n
        from hist h join scope sc on sc.commune = h.commune_code and (sc.all_services or h.service in ${ratingsCommuneLevel})
        group by 1, 2, 3, 4, 5
      ),
      service_hist as (
        select council, service, p, score, sum(n) as n,
          sum(sum(n)) over (partition by council, service, p order by score) as upto,
          sum(sum(n)) over (partition by council, service, p) as total
        from council_hist group by 1, 2, 3, 4
      ),
      service_stats as (
        select council, service, p,
          (max(total) - 1) / 2.0 as pos,
          min(score) filter (where upto > floor((total - 1) / 2.0)) as lo,
          min(score) filter (where upto > ceil((total - 1) / 2.0)) as hi,
          sum(score * n) / sum(n) as mean,
          100.0 * coalesce(sum(n) filter (where score >= ${SATISFIED_FROM}), 0) / sum(n) as sat
        from service_hist group by 1, 2, 3
      ),
      council_rated as (
        select sc.council, r.service, r.p, sum(r.n) as n
        from rated r join scope sc on sc.commune = r.commune_code and (sc.all_services or r.service in ${ratingsCommuneLevel})
        group by 1, 2, 3
      )
      select s.council, s.service, s.p, null as criterion, cr.n,
        ceil(s.lo + (s.hi - s.lo) * (s.pos - floor(s.pos))) as median, round(s.mean, 1) as mean, round(s.sat) as sat
      from service_stats s join council_rated cr using (council, service, p)
      union all
      select council, service, p, criterion, sum(n) as n, null, round(sum(score * n) / sum(n), 1),
        round(100.0 * coalesce(sum(n) filter (where score >= ${SATISFIED_FROM}), 0) / sum(n))
      from council_hist where p = 'c' group by council, service, p, criterion`),
  );
  const byCouncil = new Map<string, ScoreRow[]>();
  for (const r of rows) {
    const council = String(r.council);
    const list = byCouncil.get(council) ?? [];
    list.push({
      p: r.p as "c" | "p",
      service: String(r.service),
      criterion: r.criterion === null ? null : String(r.criterion),
      n: num(r.n),
      median: num(r.median),
      mean: num(r.mean),
      sat: num(r.sat),
    });
    byCouncil.set(council, list);
  }
  return byCouncil;
}

const openStatuses = ["new", "forwarded", "acknowledged", "in_progress"];

const noComplaints = (): ComplaintFigures => ({ new: 0, acknowledged: 0, resolved: 0, open: 0, overdue: 0, medianHoursToAcknowledge: null, topCategories: [] });

/**
 * Complaints per council: filed in the period; acknowledged and resolved in
 * it (by their status events); open now among those filed before the
 * period's end; overdue (still "new", filed more than 7 days before the
 * period's end); the median time from filing to the first acknowledgement,
 * for those acknowledged in the period; the three most frequent categories
 * of the new ones. A commune council has the complaints it owns; a district
 * council every complaint filed in its communes, whoever owns it now.
 */
async function complaintsOf(db: Database, codes: string[], period: Period): Promise<Map<string, ComplaintFigures>> {
  const overdueBefore = new Date(period.end.getTime() - OVERDUE_AFTER_MS);
  const inPeriod = (column: SQL) => sql`${column} >= ${ts(period.start)} and ${column} < ${ts(period.end)}`;
  const rows = await withPlannerSettings(db, codes.length, (tx) =>
    tx.execute<Record<string, unknown>>(sql`
      with scoped as (
        select c.council_area_code as council, c.id, c.status, c.created_at, c.category from complaints c
        where c.council_area_code in (select code from areas where level = 'commune' and code in ${codes})
        union all
        select d.code, c.id, c.status, c.created_at, c.category
        from areas d join areas a on a.parent_code = d.code and a.level = 'commune' join complaints c on c.commune_code = a.code
        where d.level = 'district' and d.code in ${codes}
      ),
      moves as (
        select e.complaint_id, e.to_status, e.created_at from complaint_events e
        where e.kind = 'status' and e.to_status in ('acknowledged', 'resolved') and e.complaint_id in (select id from scoped)
      ),
      first_ack as (select complaint_id, min(created_at) as at from moves where to_status = 'acknowledged' group by 1),
      counts as (
        select council,
          count(*) filter (where ${inPeriod(sql`created_at`)}) as new,
          count(*) filter (where status in ${openStatuses} and created_at < ${ts(period.end)}) as open,
          count(*) filter (where status = 'new' and created_at < ${ts(overdueBefore)}) as overdue
        from scoped group by 1
      ),
      answered as (
        select s.council,
          count(distinct m.complaint_id) filter (where m.to_status = 'acknowledged') as acknowledged,
          count(distinct m.complaint_id) filter (where m.to_status = 'resolved') as resolved
        from moves m join scoped s on s.id = m.complaint_id where ${inPeriod(sql`m.created_at`)} group by 1
      ),
      to_acknowledge as (
        select s.council, percentile_cont(0.5) within group (order by extract(epoch from (a.at - s.created_at)) / 3600) as median_hours
        from first_ack a join scoped s on s.id = a.complaint_id where ${inPeriod(sql`a.at`)} group by 1
      ),
      top as (
        select council, json_agg(json_build_object('category', category, 'count', n) order by n desc, category) as top
        from (
          select council, category, count(*) as n, row_number() over (partition by council order by count(*) desc, category) as rank
          from scoped where ${inPeriod(sql`created_at`)} group by 1, 2
        ) t where rank <= 3 group by 1
      )
      select c.council, c.new, c.open, c.overdue, a.acknowledged, a.resolved, t.median_hours, top.top
      from counts c left join answered a using (council) left join to_acknowledge t using (council) left join top using (council)`),
  );
  const byCouncil = new Map<string, ComplaintFigures>();
  for (const r of rows) {
    const top = (typeof r.top === "string" ? JSON.parse(r.top) : (r.top ?? [])) as { category: string; count: number }[];
    byCouncil.set(String(r.council), {
      new: num(r.new),
      acknowledged: num(r.acknowledged),
      resolved: num(r.resolved),
      open: num(r.open),
      overdue: num(r.overdue),
      medianHoursToAcknowledge: r.median_hours === null || r.median_hours === undefined ? null : Number(r.median_hours),
      topCategories: top.map((t) => ({ category: t.category, count: Number(t.count) })),
    });
  }
  return byCouncil;
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
