// Shared by every package: see vitest.shared.ts at the repository root. The tests run the analyzer
// from sources only (the CLI and its end-to-end tests live in @kiln/cli); a test that executes
// build output (dist/, the plugin's Wasm) needs `buildFirst(...)` from vitest.shared.ts instead.
export { default } from "../../vitest.shared.js";
