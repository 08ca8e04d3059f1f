/**
 * How Bot API requests travel: undici's connection pool rather than grammY's
 * default (node-fetch over http.Agent). The same requests, answers and
 * failures at less CPU per call, and a busy bot makes two calls per update
 * on average. grammY hands over a JSON string or, for uploads, a multipart
 * stream with its content type; both go through as they are.
 */
import { createRequire } from "node:module";
import type { Dispatcher, Pool as PoolType } from "undici";
import type { ApiClientOptions } from "grammy";

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
