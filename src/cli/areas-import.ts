/** npm run areas:import -- FILE.csv [--units UNITS.csv] */
import { readFile } from "node:fs/promises";
import { createDatabase, runMigrations } from "../db/client.js";
import { importGazetteer, importUnits } from "../features/areas/import.js";
import { runCli, UsageError } from "./run-cli.js";

const usage = `Usage: npm run areas:import -- FILE.csv [--units UNITS.csv]

FILE.csv     header code,level,parent_code,name_km,name_en (optionally ,unit_km,unit_en);
             levels province (2-digit codes), district (4), commune (6), village (8).
--units      NCDD unit types (code,level,unit_km,unit_latin,unit_en) for ស្រុក/ក្រុង/ខណ្ឌ, ឃុំ/សង្កាត់.
Importing is all or nothing, and safe to repeat (existing codes are updated).`;

await runCli(usage, async (args, databaseUrl) => {
  const unitsAt = args.indexOf("--units");
  const unitsFile = unitsAt >= 0 ? args[unitsAt + 1] : undefined;
  const file = args.find((a, i) => !a.startsWith("--") && (unitsAt < 0 || i !== unitsAt + 1));
  if (!file || (unitsAt >= 0 && !unitsFile)) throw new UsageError(usage);
  await runMigrations(databaseUrl);
  const { db, sql } = createDatabase(databaseUrl, { max: 1 });
  try {
    const summary = await importGazetteer(db, await readFile(file));
    const levels = Object.entries(summary.byLevel).map(([level, n]) => `${n} ${level}s`).join(", ");
    process.stdout.write(`Imported ${file}: ${levels} (${summary.inserted} new, ${summary.updated} updated)\n`);
    if (unitsFile) process.stdout.write(`Unit types set for ${await importUnits(db, await readFile(unitsFile))} areas\n`);
  } finally {
    await sql.end({ timeout: 5 });
  }
});
