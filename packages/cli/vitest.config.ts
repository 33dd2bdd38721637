// Shared by every package: see vitest.shared.ts at the repository root. The tests spawn bin/kiln.js
// (→ dist/main.js, which loads the other packages' dist/ and runs extensions in the host's dist/
// worker threads), so the package and its references are rebuilt first: without it, a run after
// editing src/ would test the previous build.
import { buildFirst } from "../../vitest.shared.js";

export default buildFirst("packages/cli");
