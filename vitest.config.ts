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
    // files run at once than there are cores (the default would be one worker on 2 cores); not
    // more than three, or queued work under test (notifications, retries) runs late enough on a
    // 2-core machine to outlast the tests' patience. Each file in a fresh process: clients and
    // timers a file leaves behind cannot reach the next one.
    pool: "forks",
    maxWorkers: 3,
  },
});
