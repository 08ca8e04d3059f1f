/**
 * npm run bench:digest — every council's digest over a national-size week.
 * Seeds all communes and districts (the real gazetteer when
 * ../shared/data/gazetteer/cambodia_admin.csv sits next to the repo, else a
 * synthetic one of the same shape: 25 provinces, 210 districts, 1,652
 * communes), 1,000,000 ratings with their scores and 100,000 complaints with
 * events over 12 weeks (generate_series), one linked council per commune and
 * district. Prints: every council's digest (sequential and 8 at a time), p50/p95
 * for one council, chart render time, peak RSS. Own database, dropped after.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { createDatabase, runMigrations } from "../src/db/client.js";
import { importGazetteer } from "../src/features/areas/import.js";
import { services } from "../src/features/catalogue/services.js";
import { complaintCategories } from "../src/features/catalogue/complaint-categories.js";
import { computeDigest, computeDigests, type CouncilArea } from "../src/features/digest/compute.js";
import { DIGEST_RUN_BATCH } from "../src/features/digest/jobs.js";
import { renderDigestChart } from "../src/features/digest/chart.js";
import { renderDigestText } from "../src/features/digest/render.js";
import { lastFullWeek } from "../src/features/digest/period.js";
import { adminDatabaseUrl, databaseUrlFor } from "../test/support/urls.js";

const RATINGS = Number(process.env.RATINGS ?? 1_000_000);
const COMPLAINTS = Number(process.env.COMPLAINTS ?? 100_000);
const tz = "Asia/Phnom_Penh";
// BENCH_DB: reuse a database a run kept (KEEP_DB=1) and skip the seeding.
const reuse = process.env.BENCH_DB;
const name = reuse ?? `mati_bench_digest_${Date.now()}`;
const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const gazetteerCandidates = [`${repoRoot}../shared/data/gazetteer/cambodia_admin.csv`, `${repoRoot}../../shared/data/gazetteer/cambodia_admin.csv`];
const ms = (t: number) => `${t.toFixed(1)} ms`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

if (!reuse) await admin.unsafe(`CREATE DATABASE "${name}"`);
const { db, sql: client } = createDatabase(databaseUrlFor(name), { max: 10 });
try {
  await runMigrations(databaseUrlFor(name));
  let t = performance.now();
  if (!reuse) {
    const csv = gazetteerCandidates.find((p) => existsSync(p));
    if (csv) {
      await importGazetteer(db, readFileSync(csv));
    } else {
      // Synthetic: 25 provinces; 210 districts spread over them; 1,652 communes over the districts.
      await db.execute(sql`
        insert into areas (code, level, parent_code, name_km, name_en, search_text)
        select lpad(p::text, 2, '0'), 'province', null, 'ខេត្ត' || p, 'Province ' || p, 'province ' || p from generate_series(1, 25) p`);
      await db.execute(sql`
        insert into areas (code, level, parent_code, name_km, name_en, search_text)
        select lpad((1 + (d - 1) % 25)::text, 2, '0') || lpad((1 + (d - 1) / 25)::text, 2, '0'), 'district', lpad((1 + (d - 1) % 25)::text, 2, '0'),
          'ស្រុក' || d, 'District ' || d, 'district ' || d from generate_series(1, 210) d`);
      await db.execute(sql`
        insert into areas (code, level, parent_code, name_km, name_en, search_text)
        select d.code || lpad((1 + (c - 1) / 210)::text, 2, '0'), 'commune', d.code, 'ឃុំ' || c, 'Commune ' || c, 'commune ' || c
        from generate_series(1, 1652) c join (select code, row_number() over (order by code) as i from areas where level = 'district') d on d.i = 1 + (c - 1) % 210`);
    }
    const [{ communes, districts }] = (await db.execute(sql`
      select count(*) filter (where level = 'commune') as communes, count(*) filter (where level = 'district') as districts from areas`)) as unknown as [{ communes: string; districts: string }];
    process.stdout.write(`gazetteer: ${csv ? "real" : "synthetic"}, ${districts} districts, ${communes} communes (${ms(performance.now() - t)})\n`);

    t = performance.now();
    const serviceKeys = services.map((s) => s.key);
    const criteriaJson = JSON.stringify(Object.fromEntries(services.map((s) => [s.key, s.criteria])));
    const asksPayment = services.filter((s) => s.asksInformalPayment).map((s) => s.key);
    await db.execute(sql`insert into users (telegram_id, first_name) select 7000000000 + g, 'U' || g from generate_series(1, 200000) g`);
    await db.execute(sql`create temporary table bench_communes as select row_number() over (order by code) as i, code from areas where level = 'commune'`);
    await client.unsafe(`
      insert into ratings (service, commune_code, source, rater_user_id, interview_id, sex, age_group, disability, informal_payment, created_at, superseded_at)
      select svc, c.code, src,
        case when src = 'self' then 1 + floor(random() * 200000)::int end,
        case when src = 'interview' then md5(g::text)::uuid end,
        (array['female','male','other',null])[1 + floor(random() * 4)::int],
        (array['15_30','31_45','46_60','61_plus',null])[1 + floor(random() * 5)::int],
        case when random() < 0.8 then random() < 0.08 end,
        case when svc = any($1) then (array['yes','no','dont_know',null])[1 + floor(random() * 4)::int] end,
        now() - random() * interval '84 days',
        case when random() < 0.05 then now() end
      from (
        select g, ($2::text[])[1 + floor(random() * ${serviceKeys.length})::int] as svc,
          case when random() < 0.7 then 'self' else 'interview' end as src,
          1 + floor(random() * (select count(*) from bench_communes))::int as ci
        from generate_series(1, ${RATINGS}) g
      ) x join bench_communes c on c.i = x.ci
      -- Ratings arrive in time order, as in production (ids and pages follow time).
      order by 10`, [asksPayment, serviceKeys]);
    // Scores: every criterion of the service but one in five left out ("doesn't apply").
    await client.unsafe(`
      insert into rating_scores (rating_id, criterion, score)
      select r.id, crit, 1 + floor(random() * 5)::int
      from ratings r cross join lateral jsonb_array_elements_text($1::jsonb -> r.service) crit
      where random() < 0.8
      order by r.id`, [criteriaJson]);
    process.stdout.write(`ratings: ${RATINGS.toLocaleString("en")} with ${((await db.execute(sql`select count(*) as n from rating_scores`)) as unknown as [{ n: string }])[0].n} scores (${ms(performance.now() - t)})\n`);

    t = performance.now();
    const categories = complaintCategories.map((c) => c.key);
    await client.unsafe(`
      insert into complaints (reference, anonymous, commune_code, category, description, status, council_area_code, created_at)
      select 'MT-B-' || g, random() < 0.3, c.code, ($1::text[])[1 + floor(random() * ${categories.length})::int], 'bench',
        (array['new','acknowledged','in_progress','resolved','closed','rejected','forwarded'])[1 + floor(random() * 7)::int],
        case when random() < 0.8 then c.code else left(c.code, 4) end,
        now() - random() * interval '84 days'
      from generate_series(1, ${COMPLAINTS}) g join bench_communes c on c.i = 1 + (g * 7919) % (select count(*) from bench_communes)
      order by 8`, [categories]);
    await client.unsafe(`
      insert into complaint_events (complaint_id, kind, from_status, to_status, actor_kind, council_area_code, created_at)
      select id, 'status', 'new', 'acknowledged', 'council', council_area_code, created_at + random() * interval '10 days'
      from complaints where status <> 'new'`);
    await client.unsafe(`
      insert into complaint_events (complaint_id, kind, from_status, to_status, actor_kind, council_area_code, created_at)
      select id, 'status', 'in_progress', 'resolved', 'council', council_area_code, created_at + interval '10 days' + random() * interval '5 days'
      from complaints where status in ('resolved', 'closed')`);
    await db.execute(sql`
      insert into councils (area_code, group_chat_id, linked_at)
      select code, -1000000000000 - row_number() over (order by code), now() - interval '100 days' from areas where level in ('commune', 'district')`);
    // What autovacuum does in production after a bulk load (visibility map for index-only scans).
    await client.unsafe("vacuum analyze");
    process.stdout.write(`complaints: ${COMPLAINTS.toLocaleString("en")} with events; councils linked (${ms(performance.now() - t)})\n`);
  }

  const councils = (await db.execute(sql`
    select code, level, name_km as "nameKm", name_en as "nameEn", unit_km as "unitKm", unit_en as "unitEn", parent_code as "parentCode"
    from areas where level in ('commune', 'district') order by code`)) as unknown as CouncilArea[];
  const periods = lastFullWeek(new Date(), tz);

  // Warm-up; then every council as the weekly run computes them (one pass per batch
  // of councils); then each council on its own, one after the other (the
  // on-demand /stats and /digest), and 8 at a time.
  for (const c of councils.slice(0, 20)) await computeDigest(db, c, periods);
  t = performance.now();
  let runRatings = 0;
  for (let i = 0; i < councils.length; i += DIGEST_RUN_BATCH) {
    const batch = councils.slice(i, i + DIGEST_RUN_BATCH);
    const figures = await computeDigests(db, batch, periods);
    for (const c of batch) {
      const f = figures.get(c.code)!;
      renderDigestText(f, "km", { timeZone: tz });
      if (f.participation.shown) runRatings += f.participation.value.ratings;
    }
  }
  const onePass = performance.now() - t;
  const times: number[] = [];
  t = performance.now();
  let ratingsSeen = 0;
  for (const c of councils) {
    const s = performance.now();
    const figures = await computeDigest(db, c, periods);
    renderDigestText(figures, "km", { timeZone: tz });
    times.push(performance.now() - s);
    if (figures.participation.shown) ratingsSeen += figures.participation.value.ratings;
  }
  const sequential = performance.now() - t;
  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < councils.length) await computeDigest(db, councils[next++]!, periods);
    }),
  );
  const parallel = performance.now() - t;
  const sorted = [...times].sort((a, b) => a - b);
  const districtTimes = councils.map((c, i) => (c.level === "district" ? times[i]! : -1)).filter((x) => x >= 0).sort((a, b) => a - b);

  const chartTimes: number[] = [];
  for (const c of councils.filter((c) => c.level === "district").slice(0, 30)) {
    const figures = await computeDigest(db, c, periods);
    const s = performance.now();
    await renderDigestChart(figures, "km", tz);
    chartTimes.push(performance.now() - s);
  }
  chartTimes.sort((a, b) => a - b);

  process.stdout.write(
    [
      `week ${periods.current.key}: ${councils.length} councils, ${ratingsSeen.toLocaleString("en")} ratings in their digests (districts count their communes' again)`,
      `all digests, as the weekly run computes them (batches of ${DIGEST_RUN_BATCH} councils in one pass each): ${(onePass / 1000).toFixed(2)} s`,
      `all digests, each council on its own, one at a time: ${(sequential / 1000).toFixed(2)} s`,
      `all digests, each council on its own, 8 at a time: ${(parallel / 1000).toFixed(2)} s`,
      `same figures both ways: ${runRatings === ratingsSeen ? "yes" : `NO (${runRatings} vs ${ratingsSeen} ratings)`}`,
      `one council: p50 ${ms(pct(sorted, 50))}, p95 ${ms(pct(sorted, 95))}, max ${ms(sorted.at(-1)!)} (districts p95 ${ms(pct(districtTimes, 95))})`,
      `chart (PNG, Khmer): p50 ${ms(pct(chartTimes, 50))}, p95 ${ms(pct(chartTimes, 95))}`,
      `peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    ].join("\n") + "\n",
  );
} finally {
  await client.end({ timeout: 5 });
  if (process.env.KEEP_DB || reuse) process.stdout.write(`kept database ${name}\n`);
  else await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
