// Shared by every package: see vitest.shared.ts at the repository root. The tests run the
// extension in the host, whose worker threads start from packages/host/dist (and the plugin's
// Wasm), so those are rebuilt first: without it, a run after editing src/ would test a stale build.
// The crash-and-resume test forks @kiln/testing's built crash child, so that package is rebuilt too.
import { buildFirst } from "../../vitest.shared.js";

export default buildFirst("packages/host", "packages/testing");
