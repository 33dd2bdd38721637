// Shared by every package: see vitest.shared.ts at the repository root. The runtime tests run the
// plugin's dist/plugin.wasm (everything else from sources), so that is rebuilt first when stale.
import { buildFirst } from "../../vitest.shared.js";

export default buildFirst();
