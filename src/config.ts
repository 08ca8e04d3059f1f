/**
 * The only reader of process.env. Every setting is validated at start-up;
 * a bad or missing value is reported together with every other problem and
 * a hint on how to fix it, so an operator fixes them all in one go.
 */
import cronParser from "cron-parser";
import { z } from "zod";

const csvOfIds = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    const parts = raw.split(",").map((p) => p.trim()).filter(Boolean);
    const ids: number[] = [];
    for (const part of parts) {
      if (!/^\d{1,15}$/.test(part)) {
        ctx.addIssue({ code: "custom", message: `"${part}" is not a Telegram user id (digits only)` });
        continue;
      }
      ids.push(Number(part));
    }
    return ids;
  });

const urlWith = (protocols: string[], example: string) =>
  z.string({ error: `required, e.g. ${example}` }).refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Six fields, seconds first (BullMQ's job schedulers), e.g. "0 0 8 * * 1" for Monday 08:00. */
const isSixFieldCron = (pattern: string) => {
  if (pattern.trim().split(/\s+/).length !== 6) return false;
  try {
    cronParser.parseExpression(pattern);
    return true;
  } catch {
    return false;
  }
};

const defaultResultsCron = { month: "0 0 9 1 * *", quarter: "0 0 9 1 1,4,7,10 *" } as const;

const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mati";

const schema = z
  .object({
    BOT_TOKEN: z
      .string({ error: "required: create a bot with @BotFather and paste its token" })
      .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "does not look like a token from @BotFather (123456:ABC-…)"),
    TELEGRAM_API_ROOT: urlWith(["http:", "https:"], "https://api.telegram.org")
      .default("https://api.telegram.org")
      .transform((url) => url.replace(/\/+$/, "")),
    DATABASE_URL: urlWith(["postgres:", "postgresql:"], "postgres://postgres@127.0.0.1:5432/mati").default(DEFAULT_DATABASE_URL),
    /** false behind a pooler in transaction mode that cannot carry prepared statements (PgBouncer before 1.21). */
    DATABASE_PREPARE: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("true")
      .transform((v) => v === "true"),
    REDIS_URL: urlWith(["redis:", "rediss:"], "redis://127.0.0.1:6379").default("redis://127.0.0.1:6379"),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, - and _ only (it prefixes every Redis key)")
      .default("mati"),
    ADMIN_TELEGRAM_IDS: csvOfIds,
    WEBHOOK_URL: urlWith(["https:", "http:"], "https://mati.example.org/telegram").optional(),
    WEBHOOK_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, "16–256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
      .optional(),
    PORT: z.coerce.number({ error: "must be a port number" }).int().min(0).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    TIMEZONE: z.string().refine(isTimeZone, "is not an IANA time zone such as Asia/Phnom_Penh").default("Asia/Phnom_Penh"),
    FLOOD_LIMIT_PER_MINUTE: z.coerce.number({ error: "must be a number" }).int().min(1).default(60),
    UPDATE_CONCURRENCY: z.coerce.number({ error: "must be a number" }).int().min(1).max(100).default(50),
    DIGEST_CRON: z
      .string()
      .refine(isSixFieldCron, 'must be a cron pattern of six fields, seconds first, e.g. "0 0 8 * * 1" (Monday 08:00)')
      .default("0 0 8 * * 1"),
    RESULTS_PERIOD: z.enum(["month", "quarter"], { error: "must be month or quarter" }).default("month"),
    RESULTS_CRON: z
      .string()
      .refine(isSixFieldCron, 'must be a cron pattern of six fields, seconds first, e.g. "0 0 9 1 * *" (the 1st of the month, 09:00)')
      .optional(),
    ROLE: z.enum(["all", "bot", "worker"], { error: "must be all, bot or worker" }).default("all"),
    BROADCAST_RATE_PER_SECOND: z.coerce
      .number({ error: "must be a number of messages per second" })
      .int("must be a whole number")
      .min(1)
      .max(1000, "Telegram allows at most 1000 messages per second, and only with paid broadcasts")
      .default(25),
    BROADCAST_ALLOW_PAID: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("false")
      .transform((v) => v === "true"),
    /** Turns on the queue dashboard at /admin/queues (HTTP basic auth, user "admin"); off when unset. */
    ADMIN_HTTP_PASSWORD: z.string().min(12, "at least 12 characters (it guards the queue dashboard)").optional(),
    OPEN_DATA_RATE_LIMIT_PER_MINUTE: z.coerce.number({ error: "must be a number" }).int().min(1).default(60),
    /** Behind a reverse proxy: take the client's address from X-Forwarded-For (for the open-data rate limit). */
    TRUST_PROXY: z.enum(["true", "false"], { error: "must be true or false" }).default("false").transform((v) => v === "true"),
  })
  // Without RESULTS_CRON, citizens' results go out at 09:00 on the first day after each period.
  .transform((config) => ({ ...config, RESULTS_CRON: config.RESULTS_CRON ?? defaultResultsCron[config.RESULTS_PERIOD] }));

/** Rules across settings; checked even when single settings are wrong, so every problem is listed at once. */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.WEBHOOK_URL && !env.WEBHOOK_SECRET) {
    problems.push("WEBHOOK_SECRET: required when WEBHOOK_URL is set, so that only Telegram can call the webhook");
  }
  const rate = Number(env.BROADCAST_RATE_PER_SECOND ?? 25);
  if (rate > 30 && env.BROADCAST_ALLOW_PAID !== "true") {
    problems.push("BROADCAST_RATE_PER_SECOND: above 30 Telegram answers 429 unless BROADCAST_ALLOW_PAID=true (paid broadcasts, billed in Stars)");
  }
  return problems;
}

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Mati cannot start: the configuration has ${problems.length} problem(s):\n` + problems.map((p) => `  - ${p}`).join("\n") +
      "\nSet these in the environment or in a .env file (see .env.example).");
  }
}

/** Validates an environment (process.env by default); throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set" (a blank line in .env), not "set to nothing".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const result = schema.safeParse(cleaned);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`)),
    ...crossFieldProblems(cleaned),
  ];
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(problems);
}

/** For command-line tools that only need the database (areas:import, db:migrate). */
export function loadDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  const result = z
    .object({ DATABASE_URL: urlWith(["postgres:", "postgresql:"], DEFAULT_DATABASE_URL).default(DEFAULT_DATABASE_URL) })
    .safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v?.trim())));
  if (result.success) return result.data.DATABASE_URL;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

/** Reads ./.env into process.env when present (values already in the environment win). */
export function loadDotEnv(path = ".env"): void {
  try {
    process.loadEnvFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
