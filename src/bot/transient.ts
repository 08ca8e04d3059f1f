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

export function isTransientFailure(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 5) return false;
  const e = err as { name?: string; code?: unknown; message?: unknown; cause?: unknown; error?: unknown; errors?: unknown };
  if (e.name === "RetryLater" || e.name === "MaxRetriesPerRequestError") return true;
  if (typeof e.code === "string" && (networkCodes.has(e.code) || postgresClientCodes.has(e.code) || postgresServerCodes.test(e.code))) return true;
  if (typeof e.message === "string" && redisMessages.test(e.message)) return true;
  // Wrapped: drizzle's DrizzleQueryError (cause), grammY's BotError (error), Node's AggregateError (errors).
  if (Array.isArray(e.errors) && e.errors.some((inner) => isTransientFailure(inner, depth + 1))) return true;
  return isTransientFailure(e.cause, depth + 1) || isTransientFailure(e.error, depth + 1);
}
