/** Throwaway Redis keys (tests and benchmarks clean up after themselves). */
import { Redis } from "ioredis";

/** Deletes every key that starts with `prefix` (SCAN, not KEYS: safe on a shared Redis). */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}
