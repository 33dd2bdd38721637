import { defineConfig } from "vitest/config";

const conditions = ["@kiln/source"];

/**
 * The vitest configuration every package and extension uses. Workspace packages resolve to their
 * TypeScript sources (the `@kiln/source` export condition), so tests need no prior build of the
 * TypeScript; vitest runs test files in Vite's SSR environment, which takes its conditions from
 * `ssr.resolve` only. Timeouts are generous because tests start real Wasm, workers and processes.
 */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { testTimeout: 60_000, hookTimeout: 120_000 },
});
