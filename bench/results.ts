/**
 * npm run bench:results — citizens' results over a national-size month, on
 * the database bench:digest seeds (1,000,000 ratings over 12 weeks, 70 % by
 * 200,000 citizens; 100,000 complaints; 1,652 communes):
 *
 *   KEEP_DB=1 npm run bench:digest          # prints "kept database mati_bench_digest_…"
 *   BENCH_DB=mati_bench_digest_… npm run bench:results
 *
 * Prints, for the last full month: the communes with participants, and per
 * commune the audience count, the whole audience paged as the fan-out pages
 * it (1,000 at a time), the figures (computeDigest) and the text; p50/p95
 * and the sum, i.e. what one worker spends on a national run before sending.
 * Drops the database afterwards unless KEEP_DB is set.
 */
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { createDatabase } from "../src/db/client.js";
import { audiencePage, countAudience } from "../src/features/broadcast/audience.js";
import { FANOUT_BATCH } from "../src/features/broadcast/engine.js";
import { computeDigest, type CouncilArea } from "../src/features/digest/compute.js";
import { communesWithParticipants, resultsAudience } from "../src/features/results/jobs.js";
import { resultsPeriodBefore } from "../src/features/results/period.js";
import { resultsText } from "../src/features/results/render.js";
import { adminDatabaseUrl, databaseUrlFor } from "../test/support/urls.js";

const name = process.env.BENCH_DB;
if (!name) {
  process.stdout.write("Set BENCH_DB to a database kept by `KEEP_DB=1 npm run bench:digest`.\n");
  process.exit(0);
}
const tz = "Asia/Phnom_Penh";
const ms = (t: number) => `${t.toFixed(1)} ms`;
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const { db, sql: client } = createDatabase(databaseUrlFor(name), { max: 4 });
try {
  const period = resultsPeriodBefore("month", new Date(), tz);
  let t = performance.now();
  const codes = await communesWithParticipants(db, period);
  const listing = performance.now() - t;
  const areas = (await db.execute(sql`
    select code, level, name_km as "nameKm", name_en as "nameEn", unit_km as "unitKm", unit_en as "unitEn", parent_code as "parentCode"
    from areas where level = 'commune' order by code`)) as unknown as CouncilArea[];
  const byCode = new Map(areas.map((a) => [a.code, a]));

  const counting: number[] = [];
  const paging: number[] = [];
  const figuring: number[] = [];
  let recipients = 0;
  for (const code of codes) {
    const audience = resultsAudience(code, period);
    t = performance.now();
    await countAudience(db, audience);
    counting.push(performance.now() - t);

    t = performance.now();
    for (let after = 0; ; ) {
      const page = await audiencePage(db, audience, after, FANOUT_BATCH);
      recipients += page.length;
      if (page.length < FANOUT_BATCH) break;
      after = page[page.length - 1]!.key;
    }
    paging.push(performance.now() - t);

    t = performance.now();
    const figures = await computeDigest(db, byCode.get(code)!, period.periods);
    resultsText(figures, period, "km", { timeZone: tz });
    figuring.push(performance.now() - t);
  }
  const line = (label: string, values: number[]) => `${label}: p50 ${ms(pct(values, 50))}, p95 ${ms(pct(values, 95))}, all communes ${(sum(values) / 1000).toFixed(2)} s`;
  process.stdout.write(
    [
      `month ${period.label}: ${codes.length} communes with participants, listed in ${ms(listing)}; ${recipients.toLocaleString("en")} deliveries (a person who took part in several communes gets each one's)`,
      line("audience count per commune", counting),
      line("audience paged (fan-out) per commune", paging),
      line("figures + text per commune", figuring),
      `one worker, before sending: ${((sum(counting) * 2 + sum(paging) + sum(figuring)) / 1000).toFixed(2)} s (the count runs twice: the check and startBroadcast)`,
      `peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    ].join("\n") + "\n",
  );
} finally {
  await client.end({ timeout: 5 });
  if (!process.env.KEEP_DB) {
    const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}
