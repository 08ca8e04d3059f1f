import pino, { type Logger } from "pino";

export type { Logger };

/** JSON logs, one line per update or job; no personal data beyond ids. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: "mati" }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
