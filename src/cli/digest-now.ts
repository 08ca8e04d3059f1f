/** npm run digest:now -- --council CODE [--week YYYY-MM-DD] [--print] */
import { writeFile } from "node:fs/promises";
import { Api, GrammyError } from "grammy";
import { loadConfig } from "../config.js";
import { createDatabase, runMigrations } from "../db/client.js";
import { asLanguage } from "../i18n.js";
import { buildDigest, councilArea, deliverDigest } from "../features/digest/deliveries.js";
import { lastFullWeek, weekAndBefore } from "../features/digest/period.js";
import { runCli, UsageError } from "./run-cli.js";

const usage = `Usage: npm run digest:now -- --council CODE [--week YYYY-MM-DD] [--print [--lang km|en] [--chart FILE.png]]

--council   a commune (6 digits) or district (4 digits) code
--week      any day of the week to report (default: the last full week)
--print     print the digest here instead of sending it (and write the chart with --chart)
Without --print the digest is sent to the council's linked group, once per week: a week
already sent (by the schedule or by staff) is not sent again.`;

await runCli(usage, async (args, databaseUrl) => {
  const arg = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const code = arg("--council");
  const week = arg("--week");
  if (!code || !/^\d{4}$|^\d{6}$/.test(code) || (week !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(week))) throw new UsageError(usage);
  const config = args.includes("--print") ? undefined : loadConfig();
  const timeZone = config?.TIMEZONE ?? "Asia/Phnom_Penh";
  const periods = week ? weekAndBefore(week, timeZone) : lastFullWeek(new Date(), timeZone);
  await runMigrations(databaseUrl);
  const { db, sql } = createDatabase(databaseUrl, { max: 2 });
  try {
    const area = await councilArea(db, code);
    if (!area) throw new UsageError(`No commune or district has the code ${code}.`);
    if (!config) {
      const digest = await buildDigest(db, area, periods, asLanguage(arg("--lang")), { timeZone });
      process.stdout.write(digest.text + "\n");
      const chart = arg("--chart");
      if (chart) await writeFile(chart, digest.chart);
      return;
    }
    const api = new Api(config.BOT_TOKEN, { apiRoot: config.TELEGRAM_API_ROOT });
    const outcome = await deliverDigest(
      {
        db,
        api,
        send: async (send, onBlocked) => {
          try {
            return await send();
          } catch (err) {
            if (err instanceof GrammyError && err.error_code === 403) await onBlocked(err.description);
            throw err;
          }
        },
        isFinal: (err) => err instanceof GrammyError && err.error_code >= 400 && err.error_code < 500 && err.error_code !== 429,
        timeZone,
      },
      code,
      periods,
    );
    process.stdout.write(
      outcome.sent
        ? `Sent the digest of the week of ${periods.current.key} to ${code}'s group.\n`
        : outcome.reason === "already"
          ? `The digest of the week of ${periods.current.key} was already sent to ${code}'s group (or is being sent).\n`
          : `Not sent: ${outcome.reason === "not_linked" ? "the council has no linked group" : "not a council's area"}.\n`,
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
});
