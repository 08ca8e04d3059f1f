/**
 * How Bot API requests travel: undici's connection pool rather than grammY's
 * default (node-fetch over http.Agent). The same requests, answers and
 * failures at less CPU per call, and a busy bot makes two calls per update
 * on average. grammY hands over a JSON string or, for uploads, a multipart
 * stream with its content type; both go through as they are.
 *
 * Also here: telling Telegram's answers from answers conversations replay
 * (markLiveAnswers, skipReplayedWaits), so that a 429 met in the middle of a
 * conversation, or a call cut on the network, is waited out once, not again
 * at each later step.
 */
import { createRequire } from "node:module";
import type { Dispatcher, Pool as PoolType } from "undici";
import { HttpError, type ApiClientOptions, type Transformer } from "grammy";

// Only the pool and its request method, not undici's index (which also loads fetch, WebSocket,
// caches…): some 6 MB less RSS. The version is pinned exactly in package.json, so these inner
// paths do not move under us (test/foundation/telegram-http.test.ts would fail if they did).
const require = createRequire(import.meta.url);
const Pool = require("undici/lib/dispatcher/pool.js") as typeof PoolType;
const request = require("undici/lib/api/api-request.js") as (this: PoolType, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

type Fetch = NonNullable<ApiClientOptions["fetch"]>;
interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | NodeJS.ReadableStream;
  signal?: AbortSignal;
}

/** A fetch for grammY's ApiClientOptions, for requests to `apiRoot`'s origin (grammY sends nothing elsewhere). */
export function telegramFetch(apiRoot: string): { fetch: Fetch; close: () => Promise<void>; destroy: () => Promise<void> } {
  const origin = new URL(apiRoot).origin;
  const pool = new Pool(origin, { keepAliveTimeout: 30_000 });
  const fetch = async (url: string, init: FetchInit) => {
    const answer = await request.call(pool, {
      path: url.slice(origin.length),
      method: (init.method ?? "POST") as "POST",
      headers: init.headers,
      body: init.body as string,
      signal: init.signal,
    });
    return {
      ok: answer.statusCode >= 200 && answer.statusCode < 300,
      status: answer.statusCode,
      json: () => answer.body.json(),
    };
  };
  return {
    fetch: fetch as unknown as Fetch,
    /** Waits for requests in flight, then closes the connections. */
    close: () => pool.close(),
    /** Closes at once, failing what is in flight. */
    destroy: () => pool.destroy(),
  };
}

/** Answers that came from Telegram (through markLiveAnswers) and have not been seen by skipReplayedWaits yet. */
const liveAnswers = new WeakSet<object>();
/** Requests markLiveAnswers has started: a failure during which none started was replayed, not met. */
let requestsStarted = 0;

/** True for an answer that came from Telegram just now, false for one a conversation replays. */
export function isTelegramsAnswer(answer: object): boolean {
  return liveAnswers.has(answer);
}

/** Wraps a fetch so that each answer it returns is known to be Telegram's, not a replay (createBot installs it). */
export function markLiveAnswers(fetch: Fetch): Fetch {
  const marking = async (...args: Parameters<Fetch>) => {
    requestsStarted++;
    const response = await fetch(...args);
    return {
      ok: response.ok,
      status: response.status,
      json: async () => {
        const answer = (await response.json()) as object;
        liveAnswers.add(answer);
        return answer;
      },
    };
  };
  return marking as unknown as Fetch;
}

/**
 * For conversations, between their recorder and auto-retry. Conversations v2
 * records every Bot API answer and replays them to the conversation's
 * transformers on each later step, auto-retry included: a 429 met once was
 * waited out again, for its whole `retry_after`, at every step after it. A
 * replayed answer that auto-retry would retry (a 429 or a 5xx) is handed to
 * it with `retry_after: 0`: it retries at once, and the replay moves on to the
 * answer that came after the wait.
 *
 * A call that failed on the network (reset, timeout) is replayed as an
 * HttpError, built afresh by the recorder on the live run too, so it cannot
 * be told by itself. But a live failure starts a request and a replayed one
 * does not: when no request started while the call ran, the failure is a
 * replay, and instead of handing it to auto-retry (which would back off
 * again, 3 s and more) the call is made again at once, as auto-retry did
 * after its wait (it retries these until they go through), and the replay
 * moves on to that attempt. Another update's request starting meanwhile
 * makes a replay look live: then it is waited again, as before, never the
 * other way round. The recording is finite, so this cannot loop: once it
 * runs out the next attempt is live.
 */
export const skipReplayedWaits: Transformer = async (prev, method, payload, signal) => {
  for (;;) {
    const startedBefore = requestsStarted;
    let answer: Awaited<ReturnType<typeof prev>>;
    try {
      answer = await prev(method, payload, signal);
    } catch (err) {
      if (err instanceof HttpError && requestsStarted === startedBefore && !signal?.aborted) continue;
      throw err;
    }
    // Seen once: should the conversation replay again within this update, the answer is a replay then.
    if (liveAnswers.delete(answer)) return answer;
    if (answer.ok || (answer.parameters?.retry_after === undefined && answer.error_code < 500)) return answer;
    return { ...answer, parameters: { ...answer.parameters, retry_after: 0 } };
  }
};
