// Writes the files generated from the contracts (via the build): the JSON Schemas of the manifest
// and of the built-in operations, from their TypeBox definitions in src/schemas/ (the run-time
// modules read these files instead, so that importing the contracts never loads TypeBox); the
// manifest's validator as standalone code (compiling the schema with Ajv took ~130 ms of every
// process that loads an extension); and the error reference, docs/errors.md. CI regenerates them
// and fails on any difference.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ERROR_AREAS, ERRORS, plainSchema } from "../dist/index.js";
import { manifestSchema } from "../dist/schemas/manifest.js";
import { operationsDocument } from "../dist/schemas/operations.js";

for (const [name, definition] of [
  ["manifest.schema.json", manifestSchema],
  ["operations.schema.json", operationsDocument],
]) {
  const file = new URL(`../schema/${name}`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(plainSchema(definition), null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}

// The options must be the ones `checkManifest` documents: every error, strict about the schema.
const require = createRequire(import.meta.url);
const { Ajv } = require("ajv");
const standaloneCode = require("ajv/dist/standalone").default;
const ajv = new Ajv({ allErrors: true, strict: true, code: { source: true } });
const validatorFile = new URL("../schema/manifest.validate.cjs", import.meta.url);
writeFileSync(
  validatorFile,
  `// Generated from manifest.schema.json by scripts/generate.mjs (Ajv standalone code): do not edit.\n${standaloneCode(ajv, ajv.compile(plainSchema(manifestSchema)))}\n`,
);
console.log(`wrote ${validatorFile.pathname}`);

const INTRO = {
  build:
    "`kiln build` collects every problem in the decorators before it fails, and prints each with its `file:line:col`, a code frame and a fix, then exits 1. `analyzeProject()` returns the same diagnostics as data; `buildExtension()` throws them together as one `KILN_BUILD_FAILED` error.",
  call: "A refused or failed `ctx.call` throws `HostCallError` inside the extension with one of these codes (its message starts with the code). An application's own operations may add codes of their own.",
  limits: "Every limit is described on the [Limits](limits.md) page, with where it is set and its default.",
};
// The page is rendered by VitePress, which reads markdown as a Vue template: outside code spans, a
// `<word>` would open an element and `{{` an interpolation.
const prose = (text) => text.replaceAll("<", "&lt;").replaceAll("{{", "&#123;&#123;");
const cell = (text) =>
  text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 ? part : prose(part)))
    .join("")
    .replaceAll("|", "\\|")
    .replaceAll("\n", " ");
const lines = [
  "# Errors",
  "",
  "<!-- Generated from packages/contracts/src/errors.ts by `npm run generate`: edit the table there. -->",
  "",
  "Every error Kiln raises is a `KilnError` with a stable `code` from one table. Branch on the code,",
  "never on the message; messages say what went wrong, where, and how to fix it.",
];
for (const [area, title] of Object.entries(ERROR_AREAS)) {
  const rows = Object.entries(ERRORS).filter(([, info]) => info.area === area);
  if (rows.length === 0) continue;
  lines.push("", `## ${title}`, "");
  if (INTRO[area]) lines.push(INTRO[area], "");
  lines.push("| code | what | fix |", "| --- | --- | --- |");
  for (const [code, info] of rows) lines.push(`| \`${code}\` | ${cell(info.summary)} | ${cell(info.fix)} |`);
}
const docsFile = new URL("../../../docs/errors.md", import.meta.url);
writeFileSync(docsFile, `${lines.join("\n")}\n`);
console.log(`wrote ${docsFile.pathname}`);
