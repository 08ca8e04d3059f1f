/**
 * Every BullMQ queue in one place, all under the configured Redis prefix.
 * Features add jobs through these queues and give the worker a handler per
 * job name (see workers.ts).
 */
import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";

export const queueNames = ["notify", "broadcast", "reminders", "digest", "exports"] as const;
export type QueueName = (typeof queueNames)[number];
export type Queues = Record<QueueName, Queue>;

/** Retries with backoff for transient failures; history kept short. */
export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { age: 7 * 86_400, count: 10_000 },
  removeOnFail: { age: 30 * 86_400 },
};

export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:bull`;
}

export function createQueues(connection: ConnectionOptions, redisPrefix: string): Queues {
  const prefix = bullPrefix(redisPrefix);
  return Object.fromEntries(
    queueNames.map((name) => {
      const queue = new Queue(name, { connection, prefix, defaultJobOptions });
      // A queue passes on its connection's errors, and with no listener BullMQ prints each one
      // to stderr. They are the connection's own, logged where it is made (createRedis).
      queue.on("error", () => {});
      return [name, queue];
    }),
  ) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
