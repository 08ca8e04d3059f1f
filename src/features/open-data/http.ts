/**
 * The open-data HTTP routes: Open311 GeoReport v2 (services, requests, one
 * request) and the ratings summary. Read-only, no authentication, limited per
 * client IP with a fixed window in Redis (shared by every instance).
 * Bad parameters get 400 `{ error, parameter }`, unknown ids 404, too many
 * requests 429 with Retry-After.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import type { Config } from "../../config.js";
import type { Database } from "../../db/client.js";
import { sendJson, type Route, type RouteHandler } from "../../http/server.js";
import type { Language } from "../../i18n.js";
import { isComplaintCategory } from "../catalogue/complaint-categories.js";
import { lastFullWeek, startOfLocalDay, type Period } from "../digest/period.js";
import { ratingsSummary } from "./summary.js";
import { open311Request, open311RequestCount, open311Requests, open311Services, type Open311Status, type RequestFilter } from "./open311.js";

export interface OpenDataDeps {
  config: Config;
  db: Database;
  redis: Redis;
}

/** A query parameter that cannot be used: answered with 400 naming it. */
export class BadParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;
/** Open311: without dates, requests of the last 90 days. */
const DEFAULT_WINDOW_MS = 90 * 86_400_000;

export function localeParam(url: URL): Language {
  const value = url.searchParams.get("locale") ?? "km";
  if (value !== "km" && value !== "en") throw new BadParameter("locale", "locale must be km or en");
  return value;
}

/** A list parameter ("a,b"): each item checked. */
function listParam<T extends string>(url: URL, name: string, valid: (item: string) => item is T, what: string): T[] | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BadParameter(name, `${name} is empty`);
  for (const item of items) if (!valid(item)) throw new BadParameter(name, `${name}: "${item}" is not ${what}`);
  return items as T[];
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new BadParameter(name, `${name} must be a whole number from ${min} to ${max}`);
  return Number(raw);
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * An ISO 8601 date or date-time parameter. A date alone means the start of
 * that day in the configured time zone (Asia/Phnom_Penh); a date-time needs
 * its offset or Z, so it is never ambiguous.
 */
export function dateParam(url: URL, name: string, timeZone: string, startOfLocalDay: (y: number, m: number, d: number, tz: string) => Date): Date | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const match = ISO_DATE_TIME.exec(raw);
  const bad = () => new BadParameter(name, `${name} must be an ISO 8601 date (2026-07-01) or date-time with offset (2026-07-01T00:00:00+07:00)`);
  if (!match) throw bad();
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(y, m - 1, d));
  if (calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) throw bad();
  const date = raw.length === 10 ? startOfLocalDay(y, m, d, timeZone) : new Date(raw);
  if (Number.isNaN(date.getTime())) throw bad();
  return date;
}

const isOpen311Status = (s: string): s is Open311Status => s === "open" || s === "closed";

export function requestFilterFrom(url: URL, timeZone: string, now = new Date()): RequestFilter {
  const serviceCodes = listParam(url, "service_code", isComplaintCategory, "a service_code from services.json");
  const statuses = listParam(url, "status", isOpen311Status, "open or closed");
  let start = dateParam(url, "start_date", timeZone, startOfLocalDay);
  const end = dateParam(url, "end_date", timeZone, startOfLocalDay);
  if (start && end && start >= end) throw new BadParameter("end_date", "end_date must be after start_date");
  if (!start && !end) start = new Date(now.getTime() - DEFAULT_WINDOW_MS);
  const page = intParam(url, "page", 1, 1, 1_000_000);
  const pageSize = intParam(url, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  return { serviceCodes, statuses, start, end, page, pageSize };
}

/** The client's address: the socket's, or X-Forwarded-For's first when behind a trusted proxy. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers["x-forwarded-for"] ?? "").split(",")[0]?.trim() : "";
  return forwarded || req.socket.remoteAddress || "unknown";
}

/**
 * Fixed one-minute windows per client, in Redis. The key holds a hash of the
 * address, not the address. Returns the seconds to wait, or 0 when allowed.
 */
export async function rateLimitWait(redis: Redis, prefix: string, client: string, limit: number, now = Date.now()): Promise<number> {
  const window = Math.floor(now / 60_000);
  const key = `${prefix}:opendata:rl:${createHash("sha256").update(client).digest("base64url").slice(0, 16)}:${window}`;
  const [[, count]] = (await redis.multi().incr(key).expire(key, 61, "NX").exec()) as [[null, number]];
  if (count <= limit) return 0;
  return Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
}

function sendOpenJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries({ "access-control-allow-origin": "*", "cache-control": "public, max-age=60", ...headers })) {
    res.setHeader(name, value);
  }
  sendJson(res, status, body);
}

/** Rate limit and parameter errors around an open-data handler. */
export function openDataHandler(deps: OpenDataDeps, handle: (url: URL, req: IncomingMessage, res: ServerResponse) => Promise<void>): RouteHandler {
  return async (req, res, url) => {
    const wait = await rateLimitWait(deps.redis, deps.config.REDIS_PREFIX, clientAddress(req, deps.config.TRUST_PROXY), deps.config.OPEN_DATA_RATE_LIMIT_PER_MINUTE);
    if (wait > 0) {
      sendOpenJson(res, 429, { error: "too many requests", retry_after: wait }, { "retry-after": String(wait), "cache-control": "no-store" });
      return;
    }
    try {
      await handle(url, req, res);
    } catch (err) {
      if (err instanceof BadParameter) sendOpenJson(res, 400, { error: err.message, parameter: err.parameter }, { "cache-control": "no-store" });
      else throw err;
    }
  };
}

export function open311Routes(deps: OpenDataDeps): Route[] {
  const { db, config } = deps;
  return [
    {
      method: "GET",
      path: "/open311/v2/services.json",
      handler: openDataHandler(deps, async (url, _req, res) => sendOpenJson(res, 200, open311Services(localeParam(url)))),
    },
    {
      method: "GET",
      path: "/open311/v2/requests.json",
      handler: openDataHandler(deps, async (url, _req, res) => {
        const lang = localeParam(url);
        const filter = requestFilterFrom(url, config.TIMEZONE);
        const [requests, total] = await Promise.all([open311Requests(db, filter, lang, config.TIMEZONE), open311RequestCount(db, filter)]);
        sendOpenJson(res, 200, requests, { "x-total-count": String(total) });
      }),
    },
    {
      method: "GET",
      path: /^\/open311\/v2\/requests\/[^/]+\.json$/,
      handler: openDataHandler(deps, async (url, _req, res) => {
        const lang = localeParam(url);
        const id = decodeURIComponent(/^\/open311\/v2\/requests\/([^/]+)\.json$/.exec(url.pathname)![1]!);
        const request = /^MT-\d{4}-\d{6}$/.test(id) ? await open311Request(db, id, lang, config.TIMEZONE) : undefined;
        if (!request) sendOpenJson(res, 404, { error: `no service request ${id}` });
        // As the spec does: an array holding the one request.
        else sendOpenJson(res, 200, [request]);
      }),
    },
  ];
}

/**
 * from/to (YYYY-MM-DD, both days included) or, without them, the last full
 * week; compared with the period of the same length just before.
 */
export function summaryPeriodsFrom(url: URL, timeZone: string, now = new Date()): { current: Period; previous: Period } {
  const from = dateParam(url, "from", timeZone, startOfLocalDay);
  const to = dateParam(url, "to", timeZone, startOfLocalDay);
  if (!from && !to) return lastFullWeek(now, timeZone);
  if (!from || !to) throw new BadParameter(from ? "to" : "from", "from and to are given together");
  for (const name of ["from", "to"]) if (url.searchParams.get(name)!.length !== 10) throw new BadParameter(name, `${name} must be a date (2026-07-01)`);
  const end = new Date(to.getTime() + 86_400_000);
  if (end <= from) throw new BadParameter("to", "to must not be before from");
  if (end.getTime() - from.getTime() > 5 * 366 * 86_400_000) throw new BadParameter("to", "at most five years at once");
  const length = end.getTime() - from.getTime();
  const key = url.searchParams.get("from")!;
  return {
    current: { start: from, end, key, partial: false },
    previous: { start: new Date(from.getTime() - length), end: from, key, partial: false },
  };
}

export function summaryRoutes(deps: OpenDataDeps): Route[] {
  return [
    {
      method: "GET",
      path: "/api/v1/ratings/summary",
      handler: openDataHandler(deps, async (url, _req, res) => {
        const lang = localeParam(url);
        const area = url.searchParams.get("area");
        if (!area || !/^(\d{4}|\d{6})$/.test(area)) throw new BadParameter("area", "area must be a district (4 digits) or commune (6 digits) code");
        const periods = summaryPeriodsFrom(url, deps.config.TIMEZONE);
        const result = await ratingsSummary(deps.db, area, periods, lang, deps.config.TIMEZONE);
        if (!result.ok) sendOpenJson(res, 404, { error: `no district or commune ${area}` });
        else sendOpenJson(res, 200, result.summary);
      }),
    },
  ];
}
