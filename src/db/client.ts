import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { PgTransaction } from "drizzle-orm/pg-core";
import postgres from "postgres";
import * as schema from "./schema/index.js";

export type Database = ReturnType<typeof createDatabase>["db"];
/** A transaction over the app's schema (drizzle's tx), e.g. what /forget hooks receive. */
export type DatabaseTransaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Domain functions that may run on their own or inside a caller's transaction take either. */
export type DatabaseOrTransaction = Database | DatabaseTransaction;

/**
 * Runs `work` in a transaction: the caller's when `db` already is one, else a
 * new one. Inside a caller's transaction there is no savepoint (drizzle's
 * nested transaction() would add one, at two more round trips): a failure
 * aborts the caller's transaction as a whole, which is what callers here
 * want (once() around a save, say), and none of them catches and goes on.
 */
export function inTransaction<T>(db: DatabaseOrTransaction, work: (tx: DatabaseTransaction) => Promise<T>): Promise<T> {
  return db instanceof PgTransaction ? work(db as DatabaseTransaction) : (db as Database).transaction(work);
}

/** One pool per process. `sql` is the raw postgres.js client (health checks, shutdown). */
export function createDatabase(url: string, options: { max?: number; prepare?: boolean } = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Fail fast when Postgres is down, so /readyz answers instead of hanging.
    connect_timeout: 5,
  });
  const db = drizzle(options.prepare === false ? sql : preparingStatements(sql), { schema });
  return { db, sql };
}

/**
 * Statements with more parameters than this are sent unprepared: their text
 * grows with what they carry (a multi-row insert, a long `in (…)` list), so
 * each would be a new statement kept on its connection for nothing.
 */
const MAX_PREPARED_PARAMETERS = 50;

/**
 * The client drizzle runs its queries on, with each statement prepared on its
 * connection the first time and only executed after that.
 *
 * Why: drizzle runs every query it was not given a name for with postgres.js's
 * `prepare: false`, and postgres.js sends such a query with parameters in two
 * round trips (parse and describe, to learn the parameter types; then bind and
 * execute), every time. Prepared, it is one round trip from the second time on.
 * bench:updates counted 1.8 writes to Postgres per statement before this.
 *
 * What it costs: Postgres keeps each statement with its connection, which
 * postgres.js replaces after 30 to 60 minutes (its default max_lifetime), so
 * what is kept stays what an hour's work uses. Behind a pooler in transaction
 * mode, the pooler must carry prepared statements (PgBouncer 1.21 and later,
 * max_prepared_statements), or DATABASE_PREPARE=false turns this off.
 */
function preparingStatements(sql: postgres.Sql): postgres.Sql {
  // Looked up on `sql` at each call (not bound once), so that a wrapper put on the client later (a test counting statements) sees them.
  const unsafe = (query: string, params?: unknown[], options?: { prepare?: boolean }) => {
    // Without parameters postgres.js sends the text as a simple query: nothing to prepare.
    const worthPreparing = Array.isArray(params) && params.length > 0 && params.length <= MAX_PREPARED_PARAMETERS;
    return worthPreparing ? sql.unsafe(query, params as never, { ...options, prepare: true }) : sql.unsafe(query, params as never, options);
  };
  // A transaction (and a savepoint within it) runs on a client of its own: the same applies there.
  const opening = (method: "begin" | "savepoint") => (...args: unknown[]) => {
    const work = args.at(-1) as (tx: postgres.Sql) => unknown;
    const open = Reflect.get(sql, method) as (...a: unknown[]) => unknown;
    return open(...args.slice(0, -1), (tx: postgres.Sql) => work(preparingStatements(tx)));
  };
  const replaced = new Map<PropertyKey, unknown>([
    ["unsafe", unsafe],
    ["begin", opening("begin")],
    ["savepoint", opening("savepoint")],
  ]);
  return new Proxy(sql, {
    get: (target, property, receiver) => (replaced.has(property) ? replaced.get(property) : Reflect.get(target, property, receiver)),
  });
}

/**
 * Creates the database named in the URL when the server says it does not
 * exist (a fresh machine's first start), connecting to the server's
 * "postgres" database to do so.
 */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await probe`select 1`;
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== "3D000") throw err;
  } finally {
    await probe.end({ timeout: 5 });
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = "/postgres";
  const admin = postgres(target.toString(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return true;
}

const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

/** Applies pending drizzle-kit migrations from ./migrations (idempotent). */
export async function runMigrations(url: string): Promise<void> {
  // A dedicated single connection: migrations take an advisory lock, so two
  // instances starting together apply them once.
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
