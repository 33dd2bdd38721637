/**
 * `kiln new`: a new extension project from a template. The templates and the writing are
 * `create-kiln`'s (what `npm create kiln` runs), so both make the same project; this command adds
 * the CLI's usage errors (the closest template name) and prints the same next steps.
 *
 * @module
 */
import { didYouMean } from "@kiln/contracts";
import {
  DEFAULT_TEMPLATE,
  isTemplateName,
  nextSteps,
  ScaffoldError,
  type ScaffoldResult,
  scaffold,
  TEMPLATE_OPTION_HELP,
  TEMPLATES,
} from "create-kiln";
import { onePositional, parse } from "../args.js";
import type { Command } from "../command.js";
import { EXIT, UsageError } from "../errors.js";

const NAME = "new";
const NAMES = Object.keys(TEMPLATES);

/** `kiln new <dir> [--template basic|http|files] [--name <id>]`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln new <dir> [--template ${NAMES.join("|")}] [--name <id>]

Create a Kiln extension project in <dir>, a new or empty folder (a .git folder alone is fine):
package.json ("type": "module"; scripts dev, build, test and typecheck; @kiln/sdk, and @kiln/cli,
@kiln/testing, TypeScript and vitest for development), tsconfig.json (the SDK's sandbox preset),
src/index.ts, test/index.test.ts (the jobs run in a real host), README.md and .gitignore. Then
cd into it and run npm install. The same as npm create kiln@latest <dir>.

Options:
${TEMPLATE_OPTION_HELP}
  --name <id>        the extension id and package name, kebab-case (default: from <dir>'s name)
  -h, --help         show this help
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, { template: { type: "string" }, name: { type: "string" } });
  const dir = onePositional(NAME, positionals, "<dir>", "new needs the <dir> to create");
  const template = values.template ?? DEFAULT_TEMPLATE;
  if (!isTemplateName(template)) {
    throw new UsageError(
      `unknown template "${template}"${didYouMean(template, NAMES)}; the templates are ${NAMES.join(", ")}`,
      NAME,
    );
  }
  let result: ScaffoldResult;
  try {
    result = await scaffold({
      dir,
      template,
      ...(values.name === undefined ? {} : { name: values.name }),
    });
  } catch (error) {
    // A --name that is no extension id: a usage error like the others, pointing at this help.
    if (error instanceof ScaffoldError && error.code === "KILN_USAGE") throw new UsageError(error.message, NAME);
    throw error;
  }
  process.stdout.write(nextSteps(result));
  return EXIT.ok;
}
