import { defineConfig } from "vitest/config";

const conditions = ["@kiln/source"];

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, so tests need no prior build. Vitest
  // runs test files in Vite's SSR environment, which takes its conditions from `ssr.resolve` only.
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { testTimeout: 60_000, hookTimeout: 120_000 },
});
