/**
 * The HTTP side: /healthz (process up), /readyz (Postgres and Redis answer),
 * the Telegram webhook when configured, and routes features add (open data,
 * metrics). Plain node:http: a handful of routes need no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { withTimeout } from "../timeout.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown | Promise<unknown>;
export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string | RegExp;
  handler: RouteHandler;
}

export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

export function healthRoutes(checks: ReadinessCheck[]): Route[] {
  return [
    { method: "GET", path: "/healthz", handler: (_req, res) => sendJson(res, 200, { status: "ok" }) },
    {
      method: "GET",
      path: "/readyz",
      handler: async (_req, res) => {
        const results = await Promise.all(
          checks.map(async ({ name, check }) => {
            try {
              await withTimeout(check(), 1500, name);
              return [name, "ok"] as const;
            } catch (err) {
              return [name, (err as Error).message] as const;
            }
          }),
        );
        const ready = results.every(([, status]) => status === "ok");
        sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) });
      },
    },
  ];
}

export function createHttpServer(routes: Route[], onError: (err: unknown) => void): Server {
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes.find(
      (r) => r.method === req.method && (typeof r.path === "string" ? r.path === url.pathname : r.path.test(url.pathname)),
    );
    if (!route) return sendJson(res, 404, { error: "not found" });
    try {
      await route.handler(req, res, url);
    } catch (err) {
      onError(err);
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    }
  });
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server.address() as AddressInfo;
}
