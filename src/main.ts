/**
 * Start-up: config → migrations → app (bot, workers, HTTP) → graceful shutdown.
 * Configuration problems exit with code 2 and a plain list, never a stack trace.
 */
import { createApp } from "./app.js";
import { ConfigError, loadConfig, loadDotEnv } from "./config.js";
import { createDatabaseIfMissing, runMigrations } from "./db/client.js";
import { createLogger } from "./log.js";

const SHUTDOWN_DEADLINE_MS = 9_000;

async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + "\n");
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  try {
    if (await createDatabaseIfMissing(config.DATABASE_URL)) log.info("created the database named in DATABASE_URL");
    await runMigrations(config.DATABASE_URL);
  } catch (err) {
    process.stderr.write(
      `Mati cannot start: the database at DATABASE_URL could not be prepared: ${(err as Error).message}\n` +
        "Check that PostgreSQL is running and that DATABASE_URL names a user allowed to create databases.\n",
    );
    process.exit(1);
  }
  const app = await createApp(config, { log });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const deadline = setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  try {
    await app.start();
  } catch (err) {
    process.stderr.write(`Mati could not start: ${(err as Error).message}\n`);
    await app.stop().catch(() => {});
    process.exit(1);
  }
}

void main();
