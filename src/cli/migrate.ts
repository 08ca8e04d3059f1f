/** npm run db:migrate: applies pending migrations (npm start does it too). */
import { runMigrations } from "../db/client.js";
import { runCli } from "./run-cli.js";

await runCli("Usage: npm run db:migrate (reads DATABASE_URL)", async (_args, databaseUrl) => {
  await runMigrations(databaseUrl);
  process.stdout.write("Migrations applied\n");
});
