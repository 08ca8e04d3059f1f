/**
 * Reaching Telegram, and saying so when it cannot be reached.
 *
 * auto-retry retries a network failure (DNS, a firewall, a cut line,
 * Telegram blocked on that network) in silence, with pauses growing to an
 * hour. So a server that cannot reach Telegram looked like a bot that hangs.
 *
 *   whoAmI                the bot's identity (getMe), asked once at start through a plain
 *                         Api: each failed attempt is logged with its reason and tried
 *                         again within 30 s; a token Telegram refuses ends the start
 *   reportUnreachable     a transformer under auto-retry on the bot's Api (handlers outside
 *                         conversations, queued jobs): every call that fails on the network
 *                         is logged (method and reason, never the token or the payload)
 *                         before auto-retry waits to try it again. Not inside conversations:
 *                         there transformers also see recorded calls replayed at each step.
 */
import { Api, GrammyError, HttpError, type Transformer } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Logger } from "../log.js";

class TokenRefused extends Error {
  override name = "TokenRefused";
}

const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 30_000;

/**
 * Resolves with getMe's answer once Telegram gives it; undefined if `stopped()`
 * turns true while waiting to try again. Throws TokenRefused for 401/404.
 */
export async function whoAmI(token: string, apiRoot: string, log: Logger, stopped: () => boolean): Promise<UserFromGetMe | undefined> {
  const api = new Api(token, { apiRoot, timeoutSeconds: 10 });
  let pause = FIRST_PAUSE_MS;
  while (!stopped()) {
    try {
      return await api.getMe();
    } catch (err) {
      if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
        throw new TokenRefused(`Telegram refused BOT_TOKEN (${err.error_code} ${err.description}). Copy the token @BotFather gave you into BOT_TOKEN.`);
      }
      log.warn({ api_root: apiRoot, reason: reasonOf(err, token), retry_in_s: pause / 1000 }, "cannot reach Telegram yet; trying again");
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
  return undefined;
}

/**
 * A few words on why the call failed, for the log: Telegram's answer, or the network error's code
 * and message. Those can hold the request URL, and so the token: it is masked.
 */
function reasonOf(err: unknown, token: string): string {
  if (err instanceof GrammyError) return `${err.error_code} ${err.description}`;
  if (err instanceof HttpError) {
    const cause = err.error as { code?: string; message?: string } | undefined;
    // node-fetch says "request to <url> failed, reason: <what happened>": the URL adds nothing.
    const message = (cause?.message ?? err.message).replace(/^request to \S+ failed, reason: /, "");
    return [cause?.code, message].filter(Boolean).join(": ").replaceAll(token, "<BOT_TOKEN>");
  }
  return String(err).replaceAll(token, "<BOT_TOKEN>");
}

/** Logs each Bot API call that fails on the network, then lets the failure go on (to auto-retry). */
export function reportUnreachable(token: string, log: Logger): Transformer {
  return async (prev, method, payload, signal) => {
    try {
      return await prev(method, payload, signal);
    } catch (err) {
      if (err instanceof HttpError) log.warn({ method, reason: reasonOf(err, token) }, "cannot reach Telegram; the call will be tried again");
      throw err;
    }
  };
}
