// The docs site's tests: the guides' examples compile, and the built site works in a browser.
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 600_000 } });
