/** The fuzz at everyday size (npm test); npm run test:stress runs it bigger (fuzz.stress.test.ts). */
import { fuzzTheBot } from "./fuzz.js";

fuzzTheBot({ runs: Number(process.env.FUZZ_RUNS ?? 200), maxSteps: 30, timeoutMs: 150_000 });
