// Shared by every package: see vitest.shared.ts at the repository root. The tests run extensions
// in the host, whose worker threads start from packages/host/dist (and the plugin's Wasm), so
// those are rebuilt first: without it, a run after editing src/ would test a stale build.
import { mergeConfig } from "vitest/config";
import { buildFirst } from "../../vitest.shared.js";

// The table and the fuzzer spend much of their time waiting (timers, worker start-up, deadlines):
// run both files at once even where vitest would default to one worker (2 cores).
export default mergeConfig(buildFirst("packages/host"), { test: { maxWorkers: 2 } });
