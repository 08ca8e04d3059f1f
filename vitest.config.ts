import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Slow fault and load tests (kills, restarts, several instances): `npm run test:stress`.
    exclude: [...configDefaults.exclude, "test/**/*.stress.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file gets its own database and Redis prefix, so files can run in parallel; on a
    // 2-core machine vitest runs one at a time. Three at a time was tried and withdrawn: under
    // that load an afterAll stopping the app after a Redis restart (readiness.test.ts) timed out
    // now and then, for a reason not yet found.
    pool: "forks",
  },
});
