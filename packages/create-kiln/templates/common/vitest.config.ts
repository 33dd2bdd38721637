import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The first test builds the extension with the real compiler (then cached) and starts a real
    // host (WebAssembly in worker threads): more than vitest's default 5 s on a cold start.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
