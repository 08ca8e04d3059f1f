/** The fuzz at stress size (npm run test:stress): FUZZ_RUNS sequences (default 1,000) of up to 40 updates. */
import { fuzzTheBot } from "./fuzz.js";

const runs = Number(process.env.FUZZ_RUNS ?? 1000);
fuzzTheBot({ runs, maxSteps: 40, timeoutMs: 120_000 + runs * 1_000 });
