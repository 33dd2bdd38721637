import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig, type ViteUserConfig } from "vitest/config";
import type {} from "./scripts/vitest-build-first.js";

const conditions = ["@kiln/source"];

/**
 * The vitest configuration every package and extension uses. Workspace packages resolve to their
 * TypeScript sources (the `@kiln/source` export condition), so tests need no prior build of the
 * TypeScript; vitest runs test files in Vite's SSR environment, which takes its conditions from
 * `ssr.resolve` only. Timeouts are generous because tests start real Wasm, workers and processes.
 *
 * Type tests (`*.test-d.ts`: `expectTypeOf`, `assertType`, `@ts-expect-error`) are not executed:
 * vitest runs `tsc` on the package's tsconfig.json and fails the run on any type error, and an
 * unused `@ts-expect-error` is one.
 */
const shared: ViteUserConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    typecheck: { enabled: true, include: ["**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
export default shared;

/**
 * The shared configuration for a package whose tests execute build output (worker threads started
 * from `dist/`, the CLI's `bin/`, the plugin's Wasm): before the tests run, `tsc -b` brings the
 * `tsconfig.build.json` of each of `packages` (folders relative to the repository root) and its
 * references up to date, and the plugin's Wasm is rebuilt if stale. See scripts/vitest-build-first.ts.
 */
export function buildFirst(...packages: string[]): ViteUserConfig {
  return mergeConfig(shared, {
    test: {
      globalSetup: [fileURLToPath(new URL("./scripts/vitest-build-first.ts", import.meta.url))],
      provide: { kilnBuildFirst: packages },
    },
  });
}
