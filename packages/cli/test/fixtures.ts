/**
 * Projects for the CLI tests to build and edit.
 *
 * @module
 */
import { cp, symlink } from "node:fs/promises";
import { join } from "node:path";
import { TEST_EXTENSION } from "./kiln-process.js";

/**
 * Copies the test extension's project to `dir` so that it builds where it lies: its src/,
 * package.json and tsconfig.json, and its node_modules linked.
 */
export async function copyTestExtension(dir: string): Promise<void> {
  await cp(join(TEST_EXTENSION, "src"), join(dir, "src"), { recursive: true });
  for (const file of ["package.json", "tsconfig.json"]) await cp(join(TEST_EXTENSION, file), join(dir, file));
  await symlink(join(TEST_EXTENSION, "node_modules"), join(dir, "node_modules"));
}
