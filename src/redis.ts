import { Redis, type RedisOptions } from "ioredis";

/**
 * The one Redis connection factory. BullMQ workers need
 * `maxRetriesPerRequest: null` (they block); ordinary clients keep ioredis'
 * default so a command fails instead of hanging while Redis is down.
 */
export function createRedis(url: string, options: RedisOptions = {}, onError: (err: Error) => void = () => {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableReadyCheck: true,
    // Keep retrying for ever with a ceiling: Redis restarts must heal by themselves.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
  // Without a listener ioredis reports every failed reconnect as unhandled.
  // While Redis is down that is one line per retry: log the first of each outage only.
  let down = false;
  redis.on("error", (err) => {
    if (!down) onError(err);
    down = true;
  });
  redis.on("ready", () => {
    down = false;
  });
  return redis;
}

/** Key/value storage in Redis for grammY sessions and conversation state, JSON-encoded. */
export interface KeyValueStore<T> {
  read(key: string): Promise<T | undefined>;
  write(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  /** The Redis key a value is kept under (for a caller that reads it with other keys, in a script). */
  redisKey(key: string): string;
  /** A value as Redis returned it, decoded (null: there was none). */
  decode(raw: string | null): T | undefined;
}

export function redisStore<T>(redis: Redis, namespace: string, ttlSeconds?: number): KeyValueStore<T> {
  const redisKey = (key: string) => `${namespace}:${key}`;
  const decode = (raw: string | null) => (raw === null ? undefined : (JSON.parse(raw) as T));
  return {
    redisKey,
    decode,
    async read(key) {
      return decode(await redis.get(redisKey(key)));
    },
    async write(key, value) {
      const raw = JSON.stringify(value);
      if (ttlSeconds) await redis.set(redisKey(key), raw, "EX", ttlSeconds);
      else await redis.set(redisKey(key), raw);
    },
    async delete(key) {
      await redis.del(redisKey(key));
    },
  };
}
