/** Golden files of the codegen tests: checked-in expected output, rewritten with UPDATE_GOLDEN=1. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** The folder of the golden files. */
export const golden = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");
const updateGolden = process.env.UPDATE_GOLDEN === "1";

/** Compares `actual` with a checked-in golden file, or rewrites it when UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(golden, name);
  if (updateGolden || !existsSync(file)) {
    if (!updateGolden) throw new Error(`missing golden file ${name}; run with UPDATE_GOLDEN=1`);
    mkdirSync(golden, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}
