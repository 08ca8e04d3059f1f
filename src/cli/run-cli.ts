/** Shared start and error handling of the command-line tools: plain messages, exit codes 0/1/2. */
import { ConfigError, loadDatabaseUrl, loadDotEnv } from "../config.js";

export async function runCli(usage: string, body: (args: string[], databaseUrl: string) => Promise<void>): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(usage + "\n");
    return;
  }
  try {
    loadDotEnv();
    await body(args, loadDatabaseUrl());
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
  }
}

export class UsageError extends Error {}
