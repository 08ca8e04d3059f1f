import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file gets its own database and Redis prefix, so files run in parallel.
    pool: "forks",
    projects: [
      // npm test: everything but the long stress runs.
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"], exclude: ["test/**/*.stress.test.ts", "**/node_modules/**"] } },
      // npm run test:stress: every test/**/*.stress.test.ts (bigger fuzz, crash and recovery runs …).
      { extends: true, test: { name: "stress", include: ["test/**/*.stress.test.ts"] } },
    ],
  },
});
