/** Everything Mati stores, as text, for tests that prove something is NOT stored. */
import type { TestEnvironment } from "./env.js";

/** Every row of every table of ours, as JSON text, one per line. */
export async function everyStoredRow(env: TestEnvironment): Promise<string> {
  const tables = await env.sql<{ table_name: string }[]>`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
  const rows: string[] = [];
  for (const { table_name } of tables) {
    const found = await env.sql.unsafe<{ row: string }[]>(`select row_to_json(t)::text as row from "${table_name}" t`);
    rows.push(...found.map((r) => r.row));
  }
  return rows.join("\n");
}

/** Every Redis key of this test file, and the value of every string key. */
export async function everyRedisKeyAndValue(env: TestEnvironment): Promise<string> {
  const keys = await env.redis.keys(`${env.redisPrefix}:*`);
  const parts: string[] = [...keys];
  for (const key of keys) {
    if ((await env.redis.type(key)) === "string") parts.push((await env.redis.get(key)) ?? "");
  }
  return parts.join("\n");
}
