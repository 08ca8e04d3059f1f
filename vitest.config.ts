import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Slow fault and load tests (kills, restarts, several instances): `npm run test:stress`.
    exclude: [...configDefaults.exclude, "test/**/*.stress.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file gets its own database and Redis prefix, so files run in parallel.
    pool: "forks",
  },
});
