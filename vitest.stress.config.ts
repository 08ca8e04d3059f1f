import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/** `npm run test:stress`: the slow tests (processes killed and restarted, outages, several instances). */
export default defineConfig({
  test: {
    ...base.test,
    include: ["test/**/*.stress.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // These tests mostly wait (restarts, stale rows, redeliveries): run the files side by side even on 2 cores.
    maxWorkers: 4,
  },
});
