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
