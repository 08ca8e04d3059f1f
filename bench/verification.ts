/**
 * npm run bench:verification — who is asked "Has this really happened?" when
 * a commitment is done, on a national-size table: USERS citizens over 1,652
 * communes, RATINGS ratings, CHECKINS forum check-ins. Prints the time to
 * count the audience and to page through it as the delivery engine does
 * (keyset pages of 1,000), for a commune and for a whole district. Own
 * database, dropped after. Prints figures; never fails a build.
 */
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { createDatabase, runMigrations } from "../src/db/client.js";
import { audiencePage, countAudience } from "../src/features/broadcast/audience.js";
import { FANOUT_BATCH } from "../src/features/broadcast/engine.js";
import { adminDatabaseUrl, databaseUrlFor } from "../test/support/urls.js";

const USERS = Number(process.env.USERS ?? 200_000);
const RATINGS = Number(process.env.RATINGS ?? 600_000);
const CHECKINS = Number(process.env.CHECKINS ?? 20_000);
const name = `mati_bench_verification_${Date.now()}`;
const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
const ms = (t: number) => `${t.toFixed(1)} ms`;

await admin.unsafe(`CREATE DATABASE "${name}"`);
const { db, sql: client } = createDatabase(databaseUrlFor(name), { max: 4 });
try {
  await runMigrations(databaseUrlFor(name));
  let t = performance.now();
  // 25 provinces × ~8 districts × ~8 communes = 1,600 communes (codes PPDDCC).
  await db.execute(sql`insert into areas (code, level, parent_code, name_km, name_en, search_text)
    select lpad(p::text, 2, '0'), 'province', null, 'ខេត្ត', 'Province ' || p, 'p' || p from generate_series(1, 25) p`);
  await db.execute(sql`insert into areas (code, level, parent_code, name_km, name_en, search_text)
    select lpad(p::text, 2, '0') || lpad(d::text, 2, '0'), 'district', lpad(p::text, 2, '0'), 'ស្រុក', 'District', 'd'
    from generate_series(1, 25) p, generate_series(1, 8) d`);
  await db.execute(sql`insert into areas (code, level, parent_code, name_km, name_en, search_text)
    select lpad(p::text, 2, '0') || lpad(d::text, 2, '0') || lpad(c::text, 2, '0'), 'commune', lpad(p::text, 2, '0') || lpad(d::text, 2, '0'), 'ឃុំ', 'Commune', 'c'
    from generate_series(1, 25) p, generate_series(1, 8) d, generate_series(1, 8) c`);
  const commune = (i: string) => sql.raw(`lpad((1 + ${i} % 25)::text, 2, '0') || lpad((1 + (${i} / 25) % 8)::text, 2, '0') || lpad((1 + (${i} / 200) % 8)::text, 2, '0')`);
  await db.execute(sql`insert into users (telegram_id, first_name, language, commune_code)
    select 1000000 + g, 'Citizen', 'km', ${commune("g")} from generate_series(1, ${USERS}) g`);
  await db.execute(sql`insert into ratings (service, commune_code, source, rater_user_id, created_at)
    select (array['health_centre','primary_school','commune_office','owso'])[1 + g % 4], u.commune_code, 'self', u.id, now() - (g % 90) * interval '1 day'
    from generate_series(1, ${RATINGS}) g join users u on u.id = 1 + (g::bigint * 7919) % ${USERS}`);
  const [forum] = await client`insert into forums (type, title_en, starts_at, venue, status) values ('commune_forum', 'Forum', now(), 'Hall', 'published') returning id`;
  await db.execute(sql`insert into forum_checkins (forum_id, source, user_id)
    select ${forum!.id}, 'telegram', id from users where id % ${Math.max(1, Math.floor(USERS / CHECKINS))} = 0 limit ${CHECKINS}`);
  await client`analyze`;
  console.log(`seeded ${USERS.toLocaleString()} users, ${RATINGS.toLocaleString()} ratings, ${CHECKINS.toLocaleString()} check-ins in ${ms(performance.now() - t)}`);

  for (const [label, area] of [["a commune", "010101"], ["a district", "0101"]] as const) {
    const [c] = await client`insert into commitments (reference, forum_id, council_area_code, area_code, service_key, text, due_on, status)
      values (${`CM-${label}`}, ${forum!.id}, ${area}, ${area}, 'health_centre', 'Post the price list', current_date, 'done') returning id`;
    const spec = { kind: "commitment_verifiers" as const, commitmentId: c!.id as number };
    t = performance.now();
    const n = await countAudience(db, spec);
    const counted = performance.now() - t;
    t = performance.now();
    let after = 0;
    let seen = 0;
    let pages = 0;
    for (;;) {
      const page = await audiencePage(db, spec, after, FANOUT_BATCH);
      pages++;
      seen += page.length;
      if (page.length < FANOUT_BATCH) break;
      after = page.at(-1)!.key;
    }
    console.log(`${label}: ${n} asked; count ${ms(counted)}; ${pages} page(s) of up to ${FANOUT_BATCH} in ${ms(performance.now() - t)} (${seen} recipients)`);
  }
} finally {
  await client.end({ timeout: 5 });
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
