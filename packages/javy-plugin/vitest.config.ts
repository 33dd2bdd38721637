// Shared by every package: see vitest.shared.ts at the repository root. The tests run
// dist/plugin.wasm, and one imports dist/index.js in a worker thread, so both are brought up to
// date first: without it, a run after editing src/ or c/ would test the previous build.
import { buildFirst } from "../../vitest.shared.js";

export default buildFirst("packages/javy-plugin");
