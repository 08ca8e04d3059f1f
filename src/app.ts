/**
 * The running application: connections, bot, workers and HTTP, started and
 * stopped as one. main.ts runs it from the environment; the over-the-wire
 * tests run it in-process against a local Bot API.
 */
import type { Worker } from "bullmq";
import { webhookCallback, type ApiClientOptions } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { MatiContext } from "./bot/context.js";
import { createBot } from "./bot/create-bot.js";
import { telegramFetch } from "./bot/telegram-http.js";
import { UpdatesInFlight } from "./bot/middleware.js";
import { LongPolling, type AllowedUpdate } from "./bot/polling.js";
import { isTransientFailure } from "./bot/transient.js";
import { whoAmI } from "./bot/telegram-reach.js";
import type { Config } from "./config.js";
import { createDatabase } from "./db/client.js";
import { allFeatures, allJobHandlers, CommandMenus, groupLanguageLookup, startSchedules, workerSettings, type FeatureDeps } from "./features/index.js";
import { peopleWithRoles } from "./features/users/users.js";
import { open311Routes, summaryRoutes } from "./features/open-data/http.js";
import { Metrics, metricsRoute } from "./http/metrics.js";
import { createHttpServer, healthRoutes, listen, sendJson, type Route } from "./http/server.js";
import { createLogger, type Logger } from "./log.js";
import { closeQueues, createQueues } from "./queue/queues.js";
import { closeWorkers, startWorkers } from "./queue/workers.js";
import { createRedis } from "./redis.js";

export interface AppOptions {
  log?: Logger;
  botInfo?: UserFromGetMe;
  client?: ApiClientOptions;
}

export type App = Awaited<ReturnType<typeof createApp>>;

const allowedUpdates: AllowedUpdate[] = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"];

export async function createApp(config: Config, options: AppOptions = {}) {
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  const { db, sql } = createDatabase(config.DATABASE_URL, { prepare: config.DATABASE_PREPARE });
  const logRedisError = (err: Error) => log.warn({ err: err.message }, "redis connection lost; retrying");
  // Commands issued in the same tick (many updates at once) go to Redis in one write.
  const redis = createRedis(config.REDIS_URL, { enableAutoPipelining: true }, logRedisError);
  // BullMQ's blocking connections must never give up on a command.
  const queueConnection = createRedis(config.REDIS_URL, { maxRetriesPerRequest: null }, logRedisError);
  const queues = createQueues(queueConnection, config.REDIS_PREFIX);
  const deps: FeatureDeps = { commandMenus: new CommandMenus(), config, db, redis, queues, log };
  const features = allFeatures(deps);
  const metrics = new Metrics(queues);
  const inFlight = new UpdatesInFlight();
  const telegram = telegramFetch(config.TELEGRAM_API_ROOT);
  const bot = createBot({
    inFlight,
    config,
    db,
    redis,
    log,
    features,
    groupLanguage: groupLanguageLookup(deps),
    botInfo: options.botInfo,
    client: { ...options.client, fetch: options.client?.fetch ?? telegram.fetch },
    metrics,
  });

  const runsBot = config.ROLE !== "worker";
  const runsWorker = config.ROLE !== "bot";
  const webhookPath = config.WEBHOOK_URL ? new URL(config.WEBHOOK_URL).pathname : undefined;

  const routes: Route[] = healthRoutes([
    { name: "postgres", check: () => sql`select 1` },
    { name: "redis", check: () => redis.ping() },
  ]);
  routes.push(metricsRoute(metrics), ...open311Routes({ config, db, redis }), ...summaryRoutes({ config, db, redis }));
  // The dashboard (bull-board and express, some 30 MB) is loaded only where it is turned on.
  if (config.ADMIN_HTTP_PASSWORD) {
    const { queueDashboardRoutes } = await import("./http/queue-dashboard.js");
    routes.push(...queueDashboardRoutes(Object.values(queues), config.ADMIN_HTTP_PASSWORD));
  }
  if (runsBot && webhookPath) {
    const handle = webhookCallback(bot, "http", { secretToken: config.WEBHOOK_SECRET, onTimeout: "throw" });
    routes.push({
      method: "POST",
      path: webhookPath,
      handler: async (req, res) => {
        try {
          await handle(req, res);
        } catch (err) {
          if (!isTransientFailure(err)) throw err;
          // Not handled: any non-2xx makes Telegram deliver the update again later.
          if (!res.headersSent) sendJson(res, 503, { error: "unavailable, try again" });
        }
      },
    });
  }
  const server: Server = createHttpServer(routes, (err) => log.error({ err }, "http handler failed"));

  let polling: LongPolling<MatiContext> | undefined;
  let workers: Worker[] = [];
  let schedules: Promise<void> = Promise.resolve();
  let address: AddressInfo | undefined;
  let stopped = false;

  return {
    bot,
    /** What features are built from (tests call domain functions with it). */
    deps,
    db,
    sql,
    redis,
    queues,
    log,
    metrics,
    get address() {
      return address;
    },
    /** Runs queued jobs (the worker role) and registers the job schedulers; resolves once they are registered. */
    startWorkers(): Promise<void> {
      if (workers.length === 0) {
        workers = startWorkers({ connection: queueConnection, redisPrefix: config.REDIS_PREFIX, handlers: allJobHandlers(deps, bot.api), log, observer: metrics, ...workerSettings(deps) });
        schedules = startSchedules(deps).catch((err: unknown) => log.error({ err: String(err) }, "registering job schedulers failed"));
      }
      return schedules;
    },
    /** Everyone's command menu, and the own menu of each person with a role. */
    async registerCommandMenus() {
      await deps.commandMenus.registerDefaults(bot.api);
      for (const person of await peopleWithRoles(db)) await deps.commandMenus.showFor(bot.api, person);
    },
    /** Takes updates from Telegram: webhook when configured, long polling otherwise. */
    async startBot() {
      if (!bot.isInited()) {
        const me = await whoAmI(config.BOT_TOKEN, config.TELEGRAM_API_ROOT, log, () => stopped);
        if (!me) return; // stopped while Telegram was out of reach
        bot.botInfo = me;
      }
      await this.registerCommandMenus().catch((err) => log.warn({ err: String(err) }, "setMyCommands failed"));
      if (config.WEBHOOK_URL) {
        await bot.api.setWebhook(config.WEBHOOK_URL, { secret_token: config.WEBHOOK_SECRET });
      } else {
        await bot.api.deleteWebhook();
        // At most UPDATE_CONCURRENCY updates in hand at once; the rest wait at Telegram. The work
        // is mostly CPU, so more at once only lengthens each one and grows the heap.
        polling = new LongPolling(bot, { allowedUpdates, log, limit: config.UPDATE_CONCURRENCY });
        polling.start();
      }
    },
    async start() {
      address = await listen(server, config.PORT, config.HOST);
      if (runsWorker) await this.startWorkers();
      if (runsBot) await this.startBot();
      log.info({ role: config.ROLE, mode: config.WEBHOOK_URL ? "webhook" : "polling", port: address.port, startup_ms: Math.round(process.uptime() * 1000), rss_mb: Math.round(process.memoryUsage().rss / 1e6) }, "mati started");
    },
    /** Stops taking updates, lets in-flight work finish, closes everything. */
    async stop() {
      if (stopped) return;
      stopped = true;
      // Takes no more updates; those in flight finish and are confirmed.
      await polling?.stop();
      // New webhook requests are refused from here; requests and updates in flight finish.
      const httpClosed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      await inFlight.drained();
      await httpClosed;
      await schedules;
      await closeWorkers(workers);
      await closeQueues(queues);
      await Promise.allSettled([telegram.close(), redis.quit(), queueConnection.quit(), sql.end({ timeout: 5 })]);
      log.info("mati stopped");
    },
  };
}
