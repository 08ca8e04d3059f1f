import { GrammyError, HttpError } from "grammy";

/** How a failed Bot API call should be treated by a queued sender. */
export type SendFailure =
  | { kind: "rate_limited"; retryAfterMs: number }
  | { kind: "blocked"; description: string } // 403: blocked, kicked, deactivated
  | { kind: "permanent"; description: string } // 400: chat not found, bad request
  | { kind: "transient"; description: string }; // network, 5xx

export function classifySendError(err: unknown): SendFailure {
  if (err instanceof GrammyError) {
    if (err.error_code === 429) return { kind: "rate_limited", retryAfterMs: (err.parameters.retry_after ?? 1) * 1000 };
    if (err.error_code === 403) return { kind: "blocked", description: err.description };
    if (err.error_code >= 400 && err.error_code < 500) return { kind: "permanent", description: err.description };
    return { kind: "transient", description: err.description };
  }
  if (err instanceof HttpError) return { kind: "transient", description: err.message };
  return { kind: "transient", description: String(err) };
}
