// Shared by every package: see vitest.shared.ts at the repository root.
import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

// The table and the fuzzer spend much of their time waiting (timers, worker start-up, deadlines):
// run both files at once even where vitest would default to one worker (2 cores).
export default mergeConfig(shared, { test: { maxWorkers: 2 } });
