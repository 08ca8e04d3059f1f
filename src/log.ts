import { createHmac } from "node:crypto";
import pino, { type Logger } from "pino";

export type { Logger };

/**
 * grammY errors carry the whole request payload (message text: a complaint,
 * a name). Logs keep the method, code and description, never the payload.
 */
function serializeError(err: unknown): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  delete serialized.payload;
  return serialized;
}

/** JSON logs, one line per update or job; no personal data beyond ids. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { app: "mati" }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: serializeError } },
    destination,
  );
}

/**
 * A person's Telegram id as logs show it: a keyed hash (HMAC-SHA256, 16
 * characters). The same person gets the same value, so one person's updates
 * can be followed across lines; without the key (a secret, e.g. derived from
 * the bot token) the raw id cannot be recovered by hashing every possible id.
 */
export function logPseudonym(telegramId: number, key: string): string {
  return createHmac("sha256", key).update(String(telegramId)).digest("base64url").slice(0, 16);
}
