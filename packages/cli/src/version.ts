import { readFileSync } from "node:fs";

/**
 * This package's version, what `kiln --version` prints. Read from package.json (one level up from
 * both `src/` and `dist/`) so that a changeset's version bump is the only edit.
 */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
