// Shared by the analyzer's tests: a one-file project in a temporary folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { analyzeProject } from "../src/analyze.js";

/**
 * Analyzes a one-file project (`src/index.ts` = `source`) written to a temporary folder. Types are
 * not checked: `@kiln/sdk` does not resolve from there, which the type checker would report at
 * every import, while Kiln's own checks, what these tests are about, read the decorators by name.
 */
export function analyzeSource(source: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "kiln-analyze-"));
  try {
    mkdirSync(path.join(dir, "src"));
    writeFileSync(path.join(dir, "src/index.ts"), source);
    return analyzeProject({ projectDir: dir, typecheck: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
