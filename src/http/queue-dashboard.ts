/**
 * The BullMQ dashboard (bull-board) under /admin/queues, behind HTTP basic
 * auth (user "admin", ADMIN_HTTP_PASSWORD), mounted only when a password is
 * configured.
 *
 * Adapter: bull-board needs a server adapter, and there is none for plain
 * node:http. @bull-board/express is the one its authors maintain first and
 * the most used; an Express app is itself a `(req, res)` handler, so it mounts
 * under our router as one route per method with no second server, port or
 * framework around the rest of the app. The alternatives need the same
 * (h3/hono/koa/fastify apps also wrap node:http) and are less exercised.
 */
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express from "express";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sameSecret } from "../secrets.js";
import type { Route } from "./server.js";

export const QUEUE_DASHBOARD_PATH = "/admin/queues";
export const ADMIN_HTTP_USER = "admin";

/** Compares "user:password" in constant time. */
export function basicAuthMatches(header: string | undefined, user: string, password: string): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? "");
  const given = match ? Buffer.from(match[1]!, "base64").toString("utf8") : "";
  return sameSecret(given, `${user}:${password}`) && match !== null;
}

export function queueDashboardRoutes(queues: Queue[], password: string): Route[] {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
  const app = express();
  app.disable("x-powered-by");
  app.use(QUEUE_DASHBOARD_PATH, serverAdapter.getRouter());

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!basicAuthMatches(req.headers.authorization, ADMIN_HTTP_USER, password)) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="Mati queues", charset="UTF-8"', "content-type": "text/plain; charset=utf-8" });
      res.end("authentication required");
      return;
    }
    return new Promise<void>((resolve) => {
      res.once("close", resolve);
      app(req as express.Request, res as express.Response, () => {
        if (!res.headersSent) {
          res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
          res.end("not found");
        }
        resolve();
      });
    });
  };
  const path = new RegExp(`^${QUEUE_DASHBOARD_PATH}(?:/.*)?$`);
  return (["GET", "POST", "PUT", "DELETE"] as const).map((method) => ({ method, path, handler }));
}
