import { afterAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { useTestEnvironment } from "../support/env.js";
import { FakeTelegram, testBotInfo } from "../support/fake-telegram.js";
import { eventually } from "../support/harness.js";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis.js";

const env = useTestEnvironment();
let app: App | undefined;
let redis: PrivateRedis | undefined;
afterAll(async () => {
  await app?.stop();
  await redis?.stop();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${app!.address!.port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("/healthz and /readyz", () => {
  it("report ready, then not ready while Redis is down, then ready again without a restart", async () => {
    redis = await startPrivateRedis();
    const fake = new FakeTelegram();
    // Worker role only: no polling, so the test watches the HTTP side alone.
    app = await createApp(env.config({ REDIS_URL: redis.url, ROLE: "worker" }), { botInfo: testBotInfo, client: { fetch: fake.fetch as never } });
    await app.start();

    expect(await get("/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await get("/readyz")).toEqual({ status: 200, body: { status: "ready", checks: { postgres: "ok", redis: "ok" } } });

    await redis.stop();
    const down = await eventually(async () => {
      const answer = await get("/readyz");
      expect(answer.status).toBe(503);
      return answer;
    });
    expect(down.body).toMatchObject({ status: "not ready", checks: { postgres: "ok" } });
    expect(down.body.checks).not.toMatchObject({ redis: "ok" });
    expect((await get("/healthz")).status).toBe(200);

    await redis.start();
    await eventually(async () => expect(await get("/readyz")).toMatchObject({ status: 200 }), 15_000);
  });

  it("answers 404 with JSON for unknown paths", async () => {
    expect(await get("/nope")).toEqual({ status: 404, body: { error: "not found" } });
  });
});
