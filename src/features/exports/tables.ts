/**
 * What each export contains: its columns (headers from locales, in the staff
 * member's language) and a query streamed from Postgres with a cursor, so
 * rows go to the file a thousand at a time.
 *
 * Never in an export: a rater's identity (no user, volunteer or interview
 * ids, no comments, which are free text) or an anonymous complainant's (no
 * user id, name, username or pin for anyone; the first name only for named
 * complaints). Aggregates on fewer than 5 ratings are withheld.
 */
import type { Database } from "../../db/client.js";
import type { Language, Translate } from "../../i18n.js";
import { areaLabel } from "../areas/names.js";
import { complaintCategoryKey } from "../catalogue/complaint-categories.js";
import { MIN_RATINGS_SHOWN, SATISFIED_FROM } from "../catalogue/scale.js";
import { serviceNameKey } from "../catalogue/services.js";
import type { ForumType } from "../../db/schema/index.js";
import { forumTypeKey } from "../forums/catalogue.js";
import { presenceSelect } from "../forums/checkin.js";
import { isResponsibleBody } from "../commitments/catalogue.js";
import type { ExportPeriod } from "./periods.js";
import type { Cell } from "./writers.js";

export const exportKinds = ["ratings", "complaints", "summary", "forums", "commitments"] as const;
export type ExportKind = (typeof exportKinds)[number];

export interface ExportScope {
  /** A province, district or commune code: every commune under it. */
  areaCode: string;
  period: ExportPeriod;
}

type Row = Record<string, unknown>;
interface Column {
  key: string;
  value: (row: Row) => Cell;
}
export interface ExportTable {
  columns: string[];
  rows: () => AsyncIterable<Cell[]>;
}

interface Context {
  t: Translate;
  lang: Language;
  timeZone: string;
}

const placeColumns = (c: Context): Column[] => {
  const label = (prefix: string, level: "province" | "district" | "commune") => (row: Row) =>
    row[`${prefix}_name_km`] === null || row[`${prefix}_name_km`] === undefined
      ? null
      : areaLabel(
          { level, nameKm: String(row[`${prefix}_name_km`]), nameEn: String(row[`${prefix}_name_en`]), unitKm: row[`${prefix}_unit_km`] as string | null, unitEn: row[`${prefix}_unit_en`] as string | null },
          c.lang,
        );
  return [
    { key: "province", value: label("p", "province") },
    { key: "district", value: label("d", "district") },
    { key: "commune_code", value: (r) => String(r.commune_code) },
    { key: "commune", value: label("c", "commune") },
  ];
};

/** One formatter per zone: building an Intl formatter per row would dominate a large export. */
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
/** "2026-07-03 14:05" in the configured zone, Latin digits: spreadsheets parse it in either language. */
function localDateTime(value: unknown, timeZone: string): Cell {
  if (!value) return null;
  let format = dateTimeFormats.get(timeZone);
  if (!format) {
    // en-CA: YYYY-MM-DD, 24-hour clock.
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    dateTimeFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(value as string | Date)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

const yesNo = (c: Context) => (value: unknown): Cell => (value === null || value === undefined ? null : c.t(value ? "exports.values.yes" : "exports.values.no"));
const valueOf = (c: Context, group: string) => (value: unknown): Cell => (value === null || value === undefined ? null : c.t(`exports.values.${group}.${String(value)}`));

const placeJoins = (communeColumn: string) => `
  join areas c on c.code = ${communeColumn}
  left join areas d on d.code = c.parent_code
  left join areas p on p.code = d.parent_code`;
const placeSelect = `c.name_km as c_name_km, c.name_en as c_name_en, c.unit_km as c_unit_km, c.unit_en as c_unit_en,
  d.name_km as d_name_km, d.name_en as d_name_en, d.unit_km as d_unit_km, d.unit_en as d_unit_en,
  p.name_km as p_name_km, p.name_en as p_name_en, p.unit_km as p_unit_km, p.unit_en as p_unit_en`;

function ratingsTable(c: Context): { columns: Column[]; query: string } {
  return {
    columns: [
      { key: "rating", value: (r) => Number(r.id) },
      { key: "date", value: (r) => localDateTime(r.created_at, c.timeZone) },
      ...placeColumns(c),
      { key: "service", value: (r) => c.t(serviceNameKey(String(r.service))) },
      { key: "facility", value: (r) => (r.facility_name as string | null) ?? null },
      { key: "source", value: (r) => valueOf(c, "source")(r.source) },
      // The criterion's key (attitude, medicines…): the questions themselves are sentences, and a
      // million repetitions of one would make the file several times larger.
      { key: "criterion", value: (r) => String(r.criterion) },
      { key: "score", value: (r) => Number(r.score) },
      { key: "informal_payment", value: (r) => valueOf(c, "informal_payment")(r.informal_payment) },
      { key: "sex", value: (r) => valueOf(c, "sex")(r.sex) },
      { key: "age_group", value: (r) => valueOf(c, "age_group")(r.age_group) },
      { key: "disability", value: (r) => yesNo(c)(r.disability) },
      { key: "minority", value: (r) => yesNo(c)(r.minority) },
      { key: "id_poor", value: (r) => yesNo(c)(r.id_poor) },
    ],
    // One row per criterion score (long format: pivot tables count ratings by the rating number).
    query: `select r.id, r.created_at, r.commune_code, r.service, r.facility_name, r.source, r.informal_payment,
        r.sex, r.age_group, r.disability, r.minority, r.id_poor, s.criterion, s.score, ${placeSelect}
      from ratings r join rating_scores s on s.rating_id = r.id ${placeJoins("r.commune_code")}
      where r.superseded_at is null and r.commune_code like $1 and r.created_at >= $2 and r.created_at < $3
      order by r.created_at, r.id, s.criterion`,
  };
}

function complaintsTable(c: Context): { columns: Column[]; query: string } {
  return {
    columns: [
      { key: "reference", value: (r) => String(r.reference) },
      { key: "filed", value: (r) => localDateTime(r.created_at, c.timeZone) },
      { key: "updated", value: (r) => localDateTime(r.updated_at, c.timeZone) },
      { key: "status", value: (r) => c.t(`complaints.status.${String(r.status)}`).replace(/^\P{L}+/u, "") },
      { key: "category", value: (r) => c.t(complaintCategoryKey(String(r.category))) },
      { key: "service", value: (r) => (r.service_key ? c.t(serviceNameKey(String(r.service_key))) : null) },
      ...placeColumns(c),
      { key: "council", value: (r) => (r.council_area_code as string | null) ?? null },
      { key: "anonymous", value: (r) => yesNo(c)(r.anonymous) },
      { key: "first_name", value: (r) => (r.anonymous ? null : ((r.reporter_name as string | null) ?? null)) },
      { key: "text", value: (r) => String(r.description) },
      { key: "text_published", value: (r) => yesNo(c)(r.publish_text) },
      { key: "photos", value: (r) => Number(r.photos) },
      { key: "voice", value: (r) => yesNo(c)(r.voice) },
      { key: "pin", value: (r) => yesNo(c)(r.pin) },
    ],
    // No user id, latitude or longitude is selected; the name only when not anonymous.
    query: `select k.reference, k.created_at, k.updated_at, k.status, k.category, k.service_key, k.commune_code, k.council_area_code,
        k.anonymous, case when k.anonymous then null else k.reporter_name end as reporter_name, k.description, k.publish_text,
        jsonb_array_length(k.photo_file_ids) as photos, k.voice_file_id is not null as voice, k.latitude is not null as pin, ${placeSelect}
      from complaints k ${placeJoins("k.commune_code")}
      where k.commune_code like $1 and k.created_at >= $2 and k.created_at < $3
      order by k.created_at, k.id`,
  };
}

function summaryTable(c: Context): { columns: Column[]; query: string } {
  const n = (r: Row) => Number(r.n);
  const shown = (r: Row, value: unknown): Cell => (n(r) >= MIN_RATINGS_SHOWN && value !== null && value !== undefined ? Number(value) : null);
  return {
    columns: [
      ...placeColumns(c),
      { key: "service", value: (r) => c.t(serviceNameKey(String(r.service))) },
      { key: "ratings", value: (r) => (n(r) >= MIN_RATINGS_SHOWN ? n(r) : c.t("exports.values.fewer_than", { min: MIN_RATINGS_SHOWN })) },
      { key: "women", value: (r) => shown(r, r.women) },
      { key: "men", value: (r) => shown(r, r.men) },
      { key: "median", value: (r) => shown(r, r.median) },
      { key: "mean", value: (r) => shown(r, r.mean) },
      { key: "satisfied_pct", value: (r) => shown(r, r.sat) },
      { key: "satisfied_pct_women", value: (r) => (Number(r.women) >= MIN_RATINGS_SHOWN ? shown(r, r.sat_women) : null) },
      { key: "satisfied_pct_men", value: (r) => (Number(r.men) >= MIN_RATINGS_SHOWN ? shown(r, r.sat_men) : null) },
      { key: "informal_payment_yes", value: (r) => (Number(r.paid_asked) >= MIN_RATINGS_SHOWN ? shown(r, r.paid_yes) : null) },
      { key: "informal_payment_asked", value: (r) => (Number(r.paid_asked) >= MIN_RATINGS_SHOWN ? shown(r, r.paid_asked) : null) },
      { key: "note", value: (r) => (n(r) >= MIN_RATINGS_SHOWN ? null : c.t("exports.values.suppressed", { min: MIN_RATINGS_SHOWN })) },
    ],
    // Per commune and service, over every criterion score, as the digest reads them:
    // median rounded up, mean to one decimal, % of scores at 4–5. Counts are ratings.
    query: `select x.*, ${placeSelect} from (
        select r.commune_code, r.service,
          count(distinct r.id) as n,
          count(distinct r.id) filter (where r.sex = 'female') as women,
          count(distinct r.id) filter (where r.sex = 'male') as men,
          ceil(percentile_cont(0.5) within group (order by s.score)) as median,
          round(avg(s.score), 1) as mean,
          round(100.0 * count(*) filter (where s.score >= ${SATISFIED_FROM}) / count(*)) as sat,
          round(100.0 * count(*) filter (where s.score >= ${SATISFIED_FROM} and r.sex = 'female') / nullif(count(*) filter (where r.sex = 'female'), 0)) as sat_women,
          round(100.0 * count(*) filter (where s.score >= ${SATISFIED_FROM} and r.sex = 'male') / nullif(count(*) filter (where r.sex = 'male'), 0)) as sat_men,
          count(distinct r.id) filter (where r.informal_payment = 'yes') as paid_yes,
          count(distinct r.id) filter (where r.informal_payment is not null) as paid_asked
        from ratings r join rating_scores s on s.rating_id = r.id
        where r.superseded_at is null and r.commune_code like $1 and r.created_at >= $2 and r.created_at < $3
        group by 1, 2) x ${placeJoins("x.commune_code")}
      order by x.commune_code, x.service`,
  };
}

/**
 * One row per forum that concerns the area (its target areas lie in it, or
 * contain it) and starts in the period: RSVPs beside attendance, women
 * counted, as NGO reports write "70 participants (17 women)"; then who was
 * present by check-in and by volunteers' +1 counts, each by group (a person
 * may be in several: the groups do not add up to the total).
 */
function forumsTable(c: Context): { columns: Column[]; query: string } {
  return {
    columns: [
      { key: "forum", value: (r) => Number(r.id) },
      { key: "date", value: (r) => localDateTime(r.starts_at, c.timeZone) },
      { key: "forum_type", value: (r) => c.t(forumTypeKey(r.type as ForumType)) },
      { key: "title", value: (r) => ((c.lang === "km" ? (r.title_km ?? r.title_en) : (r.title_en ?? r.title_km)) as string | null) ?? null },
      { key: "venue", value: (r) => String(r.venue) },
      { key: "status", value: (r) => valueOf(c, "forum_status")(r.status) },
      { key: "target_areas", value: (r) => String(r.target_areas) },
      { key: "rsvp_going", value: (r) => Number(r.going) },
      { key: "rsvp_maybe", value: (r) => Number(r.maybe) },
      { key: "rsvp_no", value: (r) => Number(r.not_going) },
      { key: "attendance_total", value: (r) => (r.attendance_total === null ? null : Number(r.attendance_total)) },
      { key: "attendance_women", value: (r) => (r.attendance_women === null ? null : Number(r.attendance_women)) },
      ...["telegram", "counted"].flatMap((source) =>
        ["total", "women", "men", "youth", "disability"].map((group) => ({ key: `${source}_${group}`, value: (r: Row) => Number(r[`${source}_${group}`]) })),
      ),
    ],
    // $1 is "<area code>%": the forum's target lies inside the area, or the area inside its target.
    query: `select f.id, f.starts_at, f.type, f.title_km, f.title_en, f.venue, f.status, f.attendance_total, f.attendance_women,
        (select string_agg(fa.area_code, ' ' order by fa.area_code) from forum_areas fa where fa.forum_id = f.id) as target_areas,
        (select count(*) from forum_rsvps r where r.forum_id = f.id and r.answer = 'yes') as going,
        (select count(*) from forum_rsvps r where r.forum_id = f.id and r.answer = 'maybe') as maybe,
        (select count(*) from forum_rsvps r where r.forum_id = f.id and r.answer = 'no') as not_going,
        p.*
      from forums f
      cross join lateral (${presenceSelect("f.id")}) p
      where f.status <> 'draft' and f.starts_at >= $2 and f.starts_at < $3
        and exists (select 1 from forum_areas fa where fa.forum_id = f.id
          and (fa.area_code like $1 or rtrim($1, '%') like fa.area_code || '%'))
      order by f.starts_at, f.id`,
  };
}

/**
 * One row per commitment for the area (it applies there, or the area lies in
 * it) recorded in the period: who, what, by when, the council's claim and
 * the citizens' verification (counts only, withheld under 5 answers).
 */
function commitmentsTable(c: Context): { columns: Column[]; query: string } {
  const answered = (r: Row) => Number(r.answered);
  const tallied = (key: string) => (r: Row): Cell => (answered(r) >= MIN_RATINGS_SHOWN ? Number(r[key]) : null);
  return {
    columns: [
      { key: "reference", value: (r) => String(r.reference) },
      { key: "recorded", value: (r) => localDateTime(r.created_at, c.timeZone) },
      { key: "forum", value: (r) => (r.forum_id === null ? null : Number(r.forum_id)) },
      { key: "council", value: (r) => String(r.council_area_code) },
      { key: "area_code", value: (r) => String(r.area_code) },
      { key: "area", value: (r) => areaLabel({ level: r.level as "commune", nameKm: String(r.name_km), nameEn: String(r.name_en), unitKm: r.unit_km as string | null, unitEn: r.unit_en as string | null }, c.lang) },
      { key: "responsible", value: (r) => (isResponsibleBody(String(r.responsible)) ? (r.responsible === "council" ? c.t("exports.values.the_council") : c.t(`commitments.body.${String(r.responsible)}`)) : String(r.responsible)) },
      { key: "service", value: (r) => (r.service_key ? c.t(serviceNameKey(String(r.service_key))) : null) },
      { key: "text", value: (r) => String(r.text) },
      { key: "due", value: (r) => String(r.due_on) },
      { key: "status", value: (r) => c.t(`commitments.status_${String(r.status)}`) },
      { key: "started", value: (r) => localDateTime(r.started_at, c.timeZone) },
      { key: "done", value: (r) => localDateTime(r.done_at, c.timeZone) },
      { key: "photos", value: (r) => Number(r.photos) },
      { key: "verify_answered", value: (r) => (answered(r) >= MIN_RATINGS_SHOWN ? answered(r) : r.status === "done" ? c.t("exports.values.fewer_than", { min: MIN_RATINGS_SHOWN }) : null) },
      { key: "verify_yes", value: tallied("yes") },
      { key: "verify_partly", value: tallied("partly") },
      { key: "verify_no", value: tallied("no") },
    ],
    query: `select k.*, a.level, a.name_km, a.name_en, a.unit_km, a.unit_en,
        (select count(*) from commitment_events e where e.commitment_id = k.id and e.kind = 'evidence') as photos,
        v.answered, v.yes, v.partly, v.no
      from commitments k join areas a on a.code = k.area_code
      cross join lateral (select count(*) as answered, count(*) filter (where answer = 'yes') as yes,
          count(*) filter (where answer = 'partly') as partly, count(*) filter (where answer = 'no') as no
        from commitment_verifications where commitment_id = k.id) v
      where (k.area_code like $1 or rtrim($1, '%') like k.area_code || '%') and k.created_at >= $2 and k.created_at < $3
      order by k.created_at, k.id`,
  };
}

const tables = { ratings: ratingsTable, complaints: complaintsTable, summary: summaryTable, forums: forumsTable, commitments: commitmentsTable };

/** The table for this export, rows streamed from Postgres through a cursor. */
export function exportTable(db: Database, kind: ExportKind, scope: ExportScope, context: Context): ExportTable {
  // The same few labels are asked for on every row: translate each once.
  const cache = new Map<string, string>();
  const t: Translate = (key, options) => {
    if (options) return context.t(key, options);
    let text = cache.get(key);
    if (text === undefined) cache.set(key, (text = context.t(key)));
    return text;
  };
  const { columns, query } = tables[kind]({ ...context, t });
  const sql = db.$client;
  return {
    columns: columns.map((col) => context.t(`exports.columns.${col.key}`)),
    rows: async function* () {
      const params = [`${scope.areaCode}%`, scope.period.start.toISOString(), scope.period.end.toISOString()];
      for await (const batch of sql.unsafe(query, params).cursor(1000)) {
        for (const row of batch) yield columns.map((col) => col.value(row));
      }
    },
  };
}
