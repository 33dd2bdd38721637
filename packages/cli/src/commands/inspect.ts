/**
 * `kiln inspect`: what a build holds, read from its files without loading it. The reading is
 * `inspect/report.ts`, the human view `inspect/view.ts`, both imported only when the command runs.
 *
 * @module
 */
import { onePositional, parse } from "../args.js";
import type { Command } from "../command.js";
import { EXIT } from "../errors.js";

const NAME = "inspect";

/** `kiln inspect <dist-dir|extension.wasm|manifest.json> [--json]`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln inspect <dist-dir|extension.wasm|manifest.json> [--json]

Show what a build holds, without loading it: the extension's id, name, version and description;
each job with its input, output and state schemas; the permissions, allowed hosts and limits it
asks for; the module's sizes (bytecode, each custom section), producers, imports and exports;
and whether the module's SHA-256 matches the one its manifest records. A .wasm without a
manifest is shown as the module describes itself: a Kiln module, a stock Javy dynamic module or
a Javy static module.

Exits 1 when the build would not load as it is (the module changed after the build, an invalid
manifest, an export the manifest names is missing), each problem on stderr as "kiln: CODE: message".

Options:
  --json      print the report as JSON (its shape is the InspectReport type of @kiln/cli)
  -h, --help  show this help
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, { json: { type: "boolean" } });
  const target = onePositional(
    NAME,
    positionals,
    "<dist-dir|extension.wasm|manifest.json>",
    "inspect needs a <dist-dir>, an extension.wasm or a manifest.json",
  );
  const { inspect } = await import("../inspect/report.js");
  const report = await inspect(target);
  const text =
    values.json === true ? `${JSON.stringify(report, null, 2)}\n` : (await import("../inspect/view.js")).render(report);
  process.stdout.write(text);
  for (const p of report.problems) process.stderr.write(`kiln: ${p.code}: ${p.message}\n`);
  return report.problems.length ? EXIT.failed : EXIT.ok;
}
