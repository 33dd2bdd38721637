import { readFileSync } from "node:fs";

/**
 * This package's version, written into every manifest's `generator` field. Read from package.json
 * (one level up from both `src/` and `dist/`) so that a changeset's version bump is the only edit.
 */
export const CODEGEN_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
