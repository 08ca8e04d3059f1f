import { afterAll, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { closeWorkers, startWorkers } from "../../src/queue/workers.js";
import { createRedis } from "../../src/redis.js";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis.js";

let redis: PrivateRedis | undefined;
afterAll(async () => {
  await redis?.stop();
});

it("workers close soon after a Redis restart, while their clients are between reconnect attempts", async () => {
  redis = await startPrivateRedis();
  const connection = createRedis(redis.url, { maxRetriesPerRequest: null });
  const workers = startWorkers({
    connection,
    redisPrefix: "worker-close",
    handlers: { notify: { ping: async () => {} }, digest: { ping: async () => {} }, broadcast: { ping: async () => {} } },
    log: createLogger("silent"),
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  // Let each worker start its blocking read, so the outage interrupts it.
  await new Promise((resolve) => setTimeout(resolve, 200));

  await redis.stop();
  // Two refused attempts: the clients now wait 600 ms before the next one, with no socket.
  for (let attempt = 0; attempt < 2; attempt++) await new Promise((resolve) => connection.once("reconnecting", resolve));
  await redis.start();

  // Closed at once, before the clients' next attempt. Without the wait in closeWorkers, BullMQ's
  // close() never resolves here (taskforcesh/bullmq#4656) and the test times out. With it, close()
  // still waits out the read cut by the outage: ioredis keeps it to resend and BullMQ's watchdog
  // gives up on it 6 s after it began (drainDelay 5 s + 1 s).
  const started = Date.now();
  await closeWorkers(workers);
  expect(Date.now() - started).toBeLessThan(8_000);
  await connection.quit();
});
