/**
 * npm run bench:export — a ratings export of ROWS rows (default 1,000,000:
 * one row per criterion score) as CSV and as XLSX, streamed from a Postgres
 * cursor to a temp file. Seeds a synthetic province with one district and 50
 * communes and ROWS/4 ratings of 4 scores each in one quarter. Prints rows,
 * time, file size and the process's peak RSS during each export. Own
 * database, dropped after.
 */
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { createDatabase, runMigrations } from "../src/db/client.js";
import { writeExport } from "../src/features/exports/export.js";
import { parsePeriod } from "../src/features/exports/periods.js";
import { adminDatabaseUrl, databaseUrlFor } from "../test/support/urls.js";

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const tz = "Asia/Phnom_Penh";
const name = `mati_bench_export_${Date.now()}`;
const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

await admin.unsafe(`CREATE DATABASE "${name}"`);
const { db, sql: client } = createDatabase(databaseUrlFor(name), { max: 4 });
try {
  await runMigrations(databaseUrlFor(name));
  let t = performance.now();
  await db.execute(sql`insert into areas (code, level, parent_code, name_km, name_en, search_text) values
    ('01', 'province', null, 'បន្ទាយមានជ័យ', 'Banteay Meanchey', 'x'), ('0108', 'district', '01', 'ស្វាយចេក', 'Svay Chek', 'x')`);
  await db.execute(sql`insert into areas (code, level, parent_code, name_km, name_en, unit_km, unit_en, search_text)
    select '0108' || lpad(c::text, 2, '0'), 'commune', '0108', 'ឃុំ' || c, 'Commune ' || c, 'ឃុំ', 'Khum', 'x' from generate_series(1, 50) c`);
  const ratings = Math.ceil(ROWS / 4);
  await db.execute(sql`
    insert into ratings (service, commune_code, source, sex, age_group, informal_payment, created_at)
    select 'health_centre', '0108' || lpad((1 + i % 50)::text, 2, '0'), 'interview',
      (array['female', 'male', null])[1 + i % 3], (array['15_30', '31_45', null])[1 + i % 3], (array['yes', 'no', null])[1 + i % 3],
      timestamptz '2026-07-01 00:00+07' + (i * interval '1 second') * (91.0 * 86400 / ${ratings})
    from generate_series(1, ${ratings}) i`);
  await db.execute(sql`
    insert into rating_scores (rating_id, criterion, score)
    select r.id, c.criterion, 1 + (r.id + c.n) % 5 from ratings r
    cross join (values ('attitude', 1), ('medicines', 2), ('price_list', 3), ('staff_present', 4)) c(criterion, n)`);
  await db.execute(sql`analyze`);
  process.stdout.write(`seeded ${ratings.toLocaleString("en")} ratings, ${(ratings * 4).toLocaleString("en")} scores (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);

  const period = parsePeriod("2026-07-01 2026-09-30", tz)!;
  for (const format of ["csv", "xlsx"] as const) {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    t = performance.now();
    const written = await writeExport(db, { kind: "ratings", areaCode: "0108", period, format, lang: "km", timeZone: tz });
    const seconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    process.stdout.write(
      `${format}: ${written.rows.toLocaleString("en")} rows in ${seconds.toFixed(1)} s (${Math.round(written.rows / seconds).toLocaleString("en")} rows/s), ` +
        `${written.filename} ${mb(written.bytes)}, peak RSS ${mb(peak)} (before: ${mb(baseline)})\n`,
    );
    await written.remove();
  }
} finally {
  await client.end({ timeout: 5 });
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
