/**
 * The bot's own identity (getMe), asked once at start, before anything else
 * talks to Telegram, through a plain Api without auto-retry: auto-retry
 * retries a network failure in silence with pauses growing to an hour, so a
 * server that cannot reach Telegram (DNS, a firewall, Telegram blocked on that
 * network) looked like a bot that hangs. Here each failed attempt is logged
 * with its reason and tried again within 30 s, and a token Telegram refuses
 * ends the start with a plain message.
 */
import { Api, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Logger } from "../log.js";

export class TokenRefused extends Error {
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
      log.warn({ api_root: apiRoot, reason: reasonOf(err).replaceAll(token, "<BOT_TOKEN>"), retry_in_s: pause / 1000 }, "cannot reach Telegram yet; trying again");
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
  return undefined;
}

/** A few words on why the call failed: the network error's code and message (which can hold the request URL, and so the token). */
function reasonOf(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code} ${err.description}`;
  if (err instanceof HttpError) {
    const cause = err.error as { code?: string; message?: string } | undefined;
    // node-fetch says "request to <url> failed, reason: <what happened>": the URL adds nothing.
    const message = (cause?.message ?? err.message).replace(/^request to \S+ failed, reason: /, "");
    return [cause?.code, message].filter(Boolean).join(": ");
  }
  return String(err);
}
