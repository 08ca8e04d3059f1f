/**
 * Which failures of an update are worth handling again later instead of
 * apologising: Postgres or Redis unreachable, restarting or refusing
 * connections, or the update's chat being held elsewhere. Such an update is
 * not confirmed (long polling) or is answered 5xx (webhook), so it comes back
 * and is handled once the service is back; a bug is apologised for once.
 */

/** Thrown when an update cannot be handled now but can be soon (a chat lock held too long, a twin being handled). */
export class RetryLater extends Error {
  override name = "RetryLater";
}

/** Node's network error codes that mean "the service is not there right now". */
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);
/** postgres.js' own connection error codes. */
const postgresClientCodes = new Set(["CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED"]);
/** Server-side SQLSTATEs of a server going away or not accepting connections yet. */
const postgresServerCodes = /^(08|57P0[1-4]$|53300$)/;
/** ioredis' messages while it reconnects. */
const redisMessages = /^(Connection is closed\.|Stream isn't writeable|Reached the max retries per request limit|MISCONF|LOADING|READONLY)/;

export function isTransientFailure(err: unknown): boolean {
  return transientCause(err) !== undefined;
}

/**
 * The failure inside `err` that makes it transient, said in a few words for
 * the log ("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432"), never the
 * wrapper's text (drizzle's includes the query's parameters: personal data).
 */
export function transientReason(err: unknown): string | undefined {
  const cause = transientCause(err);
  if (!cause) return undefined;
  const code = typeof cause.code === "string" ? `${cause.code}: ` : "";
  return `${code}${String(cause.message ?? cause.name).slice(0, 200)}`;
}

type Failure = { name?: string; code?: unknown; message?: unknown; cause?: unknown; error?: unknown; errors?: unknown };

function transientCause(err: unknown, depth = 0): Failure | undefined {
  if (!err || typeof err !== "object" || depth > 5) return undefined;
  const e = err as Failure;
  if (e.name === "RetryLater" || e.name === "MaxRetriesPerRequestError") return e;
  if (typeof e.code === "string" && (networkCodes.has(e.code) || postgresClientCodes.has(e.code) || postgresServerCodes.test(e.code))) return e;
  if (typeof e.message === "string" && redisMessages.test(e.message)) return e;
  // Wrapped: drizzle's DrizzleQueryError (cause), grammY's BotError (error), Node's AggregateError (errors).
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const found = transientCause(inner, depth + 1);
      if (found) return found;
    }
  }
  return transientCause(e.cause, depth + 1) ?? transientCause(e.error, depth + 1);
}
