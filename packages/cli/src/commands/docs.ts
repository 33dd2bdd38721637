/**
 * `kiln docs`: an extension's reference page, in markdown, from the same analysis `kiln build`
 * runs (`@kiln/codegen`'s model and its `generateReference`); nothing is bundled or compiled.
 *
 * @module
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { onePositional, parse } from "../args.js";
import type { Command } from "../command.js";
import { EXIT } from "../errors.js";
import { reportDiagnostics, shown } from "../watch.js";

const NAME = "docs";

/** `kiln docs <extension-dir> [--out <file.md>] [--no-typecheck]`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln docs <extension-dir> [--out <file.md>] [--no-typecheck]

Write the reference page of the extension in <extension-dir>, in markdown: its name, id, version
and description; a table of its jobs, then each job with its input, output and checkpoint state
as tables of properties (type, required, description, constraints), from the same TypeScript
types and doc comments \`kiln build\` reads; the permissions it asks for, with what each allows;
its allowed hosts; the limits it declares, beside the host's defaults; and its lifecycle hooks.
The project is analysed as \`kiln build\` analyses it, type check included, but nothing is
compiled. Problems in the source are listed as kiln build lists them, and the command exits 1.

Options:
  --out <file.md>  write the page to <file.md> (its folder is created; the file is replaced
                   whole, never left half-written) instead of to stdout
  --no-typecheck   analyse without type-checking (as kiln build --no-typecheck)
  -h, --help       show this help
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, { out: { type: "string" }, "no-typecheck": { type: "boolean" } });
  const projectDir = onePositional(NAME, positionals, "<extension-dir>", "docs needs an <extension-dir>");
  // The compiler (TypeScript, ts-morph) takes most of a second to import: only here.
  const codegen = await import("@kiln/codegen");
  const analysis = codegen.analyzeProject({
    projectDir,
    ...(values["no-typecheck"] === true ? { typecheck: false } : {}),
  });
  const errors = analysis.diagnostics.filter((d) => d.severity === "error");
  if (!analysis.model || errors.length) {
    reportDiagnostics(codegen, analysis.diagnostics);
    return EXIT.failed;
  }
  const page = codegen.generateReference(analysis.model);
  if (typeof values.out !== "string") {
    process.stdout.write(page);
    return EXIT.ok;
  }
  await writeAtomically(values.out, page);
  const jobs = analysis.model.jobs.length;
  console.log(
    `wrote ${shown(values.out)}: ${analysis.model.id} ${analysis.model.version}, ${jobs} job${jobs === 1 ? "" : "s"}`,
  );
  return EXIT.ok;
}

/** Writes `text` to a temporary file beside `file`, then renames it over `file`. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
