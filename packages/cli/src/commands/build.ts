/**
 * `kiln build`: the compiler, `@kiln/codegen`, and nothing else (no host, no SQLite).
 *
 * @module
 */
import { relative } from "node:path";
import { parse } from "../args.js";
import type { Command } from "../command.js";
import { EXIT, UsageError } from "../errors.js";

const NAME = "build";

/** `kiln build <extension-dir> [--out <dir>] [--strict]`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln build <extension-dir> [--out <dir>] [--strict]

Build the extension in <extension-dir> (its package.json, and src/index.ts or the entry its "kiln"
section names) into <extension-dir>/dist/: manifest.json (with the JSON Schemas of each job's
input, result and checkpoint state, from their TypeScript types), extension.wasm, and types.d.ts
(which types the extension's jobs for an application using @kiln/host). Problems in the source
are listed together, each with its code, file:line:col, a code frame and a fix.

Options:
  --out <dir>   write the three files to <dir> instead
  --strict      refuse \`any\` in a job's input, result or state type (it accepts any JSON value)
  -h, --help    show this help
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, { out: { type: "string" }, strict: { type: "boolean" } });
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length
        ? `build takes one <extension-dir>, got ${positionals.length}`
        : "build needs an <extension-dir>",
      NAME,
    );
  }
  const started = performance.now();
  // The compiler (ts-morph, esbuild, Binaryen) takes most of a second to import: only here.
  const { buildExtension, DiagnosticsError, formatDiagnostic, summarizeDiagnostics } = await import("@kiln/codegen");
  let result: Awaited<ReturnType<typeof buildExtension>>;
  try {
    result = await buildExtension({
      projectDir: positionals[0] as string,
      ...(typeof values.out === "string" ? { outDir: values.out } : {}),
      ...(values.strict === true ? { strict: true } : {}),
    });
  } catch (error) {
    if (!(error instanceof DiagnosticsError)) throw error;
    // Every diagnostic with its code frame, then the summary line.
    process.stderr.write(
      `${error.diagnostics.map(formatDiagnostic).join("\n\n")}\n\n${summarizeDiagnostics(error.diagnostics)}\n`,
    );
    return EXIT.failed;
  }
  const ms = Math.round(performance.now() - started);
  const fromHere = relative(process.cwd(), result.outDir);
  // A path that climbs out of the working directory reads better as the absolute one.
  const where = fromHere.startsWith("..") ? result.outDir : fromHere || ".";
  const jobs = result.manifest.jobs.length;
  console.log(
    `built ${result.manifest.id} ${result.manifest.version} → ${where}/ ` +
      `(${jobs} job${jobs === 1 ? "" : "s"}, extension.wasm ${(result.sizes.module / 1024).toFixed(1)} KiB) in ${ms} ms`,
  );
  return EXIT.ok;
}
