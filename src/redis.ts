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
