/** A round-robin HTTP load balancer in front of several bot instances (one webhook URL, N bots). */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoadBalancer {
  url: string;
  /** Which backend each request went to, in order (index into `backends`). */
  readonly routed: number[];
  close(): Promise<void>;
}

export async function startLoadBalancer(backends: () => string[]): Promise<LoadBalancer> {
  let next = 0;
  const routed: number[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const targets = backends();
    const index = next++ % targets.length;
    routed.push(index);
    try {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === "string" && !["host", "content-length", "connection"].includes(k))) as Record<string, string>;
      const answer = await fetch(new URL(req.url ?? "/", targets[index]), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routed,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
