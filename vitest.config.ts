import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Slow fault and load tests (kills, restarts, several instances): `npm run test:stress`.
    exclude: [...configDefaults.exclude, "test/**/*.stress.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file gets its own database and Redis prefix, and its own process (clients and timers a
    // file leaves behind cannot reach the next one), so files run side by side. Most of a file's
    // time is spent waiting (timers, Redis and Postgres round trips), so three at a time suit even
    // a 2-core machine, where vitest's default would be one; not more, or queued work under test
    // (notifications, retries) runs late enough to outlast the tests' patience.
    pool: "forks",
    maxWorkers: 3,
  },
});
