/**
 * `kiln build`: the compiler, `@kiln/codegen`, and nothing else (no host, no SQLite).
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import type { BuildOptions } from "@kiln/codegen";
import { onePositional, parse } from "../args.js";
import type { Command } from "../command.js";
import { EXIT } from "../errors.js";

const NAME = "build";

/** `kiln build <extension-dir> [--out <dir>] [--strict] [--no-typecheck] [--watch]`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln build <extension-dir> [--out <dir>] [--strict] [--no-typecheck] [--watch]

Build the extension in <extension-dir> (its package.json, and src/index.ts or the entry its "kiln"
section names) into <extension-dir>/dist/: manifest.json (with the JSON Schemas of each job's
input, result and checkpoint state, from their TypeScript types), extension.wasm, and types.d.ts
(which types the extension's jobs for an application using @kiln/host). Problems in the source
are listed together, each with its code, file:line:col, a code frame and a fix.

Options:
  --out <dir>   write the three files to <dir> instead
  --strict      refuse \`any\` in a job's input, result or state type (it accepts any JSON value)
  --no-typecheck
                build without type-checking (the sources are checked with the project's
                tsconfig.json by default, each type error a KILN_TYPE_ERROR diagnostic)
  --watch       build, then build again on every change to the project's sources, package.json or
                tsconfig.json (new files too; not dist/ or node_modules/), one line per build,
                until Ctrl-C; the compiler stays loaded, so a rebuild takes a fraction of the first
  -h, --help    show this help
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, {
    out: { type: "string" },
    strict: { type: "boolean" },
    "no-typecheck": { type: "boolean" },
    watch: { type: "boolean" },
  });
  const options: BuildOptions = {
    projectDir: onePositional(NAME, positionals, "<extension-dir>", "build needs an <extension-dir>"),
    ...(typeof values.out === "string" ? { outDir: values.out } : {}),
    ...(values.strict === true ? { strict: true } : {}),
    ...(values["no-typecheck"] === true ? { typecheck: false } : {}),
  };
  // Building and its output (the "built …" line, or the diagnostics) are shared with `kiln dev`.
  const { buildAndReport, checkProjectFolder, watchBuilds } = await import("../watch.js");
  if (values.watch === true) {
    checkProjectFolder(NAME, options.projectDir);
    return watchBuilds(options);
  }
  // One build and exit: the plugin compiles one small bundle, which V8's baseline Wasm code does at
  // once; its optimising tier would compile in the background and hold the process at exit
  // (~0.35 s of a 2 s build). As in `kiln run`; before the plugin is compiled.
  setFlagsFromString("--liftoff-only");
  const result = await buildAndReport(({ buildExtension }) => buildExtension(options));
  return result ? EXIT.ok : EXIT.failed;
}
