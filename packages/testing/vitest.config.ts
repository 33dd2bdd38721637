// Shared by every package: see vitest.shared.ts at the repository root. The tests run extensions in
// the host, whose worker threads start from packages/host/dist, and `crashAndResume` runs its first
// host in a child process started from this package's dist/crash-child.js: so this package and its
// references are rebuilt first, or a run after editing src/ would test a stale build.
import { buildFirst } from "../../vitest.shared.js";

export default buildFirst("packages/testing");
