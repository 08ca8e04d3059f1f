import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Slow fault and load tests (kills, restarts, several instances): `npm run test:stress`.
    exclude: [...configDefaults.exclude, "test/**/*.stress.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file gets its own database and Redis prefix, so files run in parallel. Most of a
    // test's time is spent waiting (on Postgres, Redis, the fake Bot API, timers), so more
    // files run at once than there are cores (the default would be one worker on 2 cores).
    pool: "forks",
    maxWorkers: 4,
    // A worker keeps its loaded modules from one file to the next: importing grammY, drizzle
    // and the app again for each of ~70 files was half the suite's CPU. Nothing a file can
    // change is shared: state is per database, Redis prefix or bot, which are per file.
    isolate: false,
  },
});
