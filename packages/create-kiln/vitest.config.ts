// Shared by every package: see vitest.shared.ts at the repository root. The end-to-end tests run
// the templates' jobs in the host, whose worker threads start from packages/host/dist, run the
// templates' own tests with @kiln/testing as installed (its dist/), and spawn bin/create-kiln.js
// (→ dist/), so those are rebuilt first. templates/ holds test files of the
// projects it writes, which run only once rendered: only this package's own tests are collected.
import { mergeConfig } from "vitest/config";
import { buildFirst } from "../../vitest.shared.js";

export default mergeConfig(buildFirst("packages/host", "packages/testing", "packages/create-kiln"), {
  test: { include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
