// Writes schema/manifest.schema.json from the one definition in src/manifest.ts (via the build).
import { writeFileSync } from "node:fs";
import { manifestSchema } from "../dist/index.js";

const file = new URL("../schema/manifest.schema.json", import.meta.url);
writeFileSync(file, `${JSON.stringify(manifestSchema, null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
