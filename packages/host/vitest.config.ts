// Shared by every package: see vitest.shared.ts at the repository root. The host starts its worker
// threads from dist/worker/entry.js (which loads the other packages' dist/ too), so the tests
// rebuild that first: without it, a run after editing src/ would test the previous build.
import { buildFirst } from "../../vitest.shared.js";

export default buildFirst("packages/host");
