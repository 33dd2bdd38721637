/**
 * The `create-kiln` command, what `npm create kiln <dir>` runs (`npm exec create-kiln`). It takes
 * the same arguments as `kiln new`, and fails the same way: one line on stderr, `CODE: message`,
 * exit 2 for a command line it cannot use, 1 when the folder is not empty.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  CREATE_KILN_VERSION,
  listTemplates,
  nextSteps,
  ScaffoldError,
  scaffold,
  TEMPLATE_OPTION_HELP,
} from "./scaffold.js";

/** Its usage, printed by `--help`. */
export const USAGE = `Usage: npm create kiln@latest <dir> [-- [--template <name>] [--name <id>]]
       create-kiln <dir> [--template <name>] [--name <id>]

Create a Kiln extension project in <dir> (a new or empty folder): TypeScript sources, a test that
runs the extension's jobs in a real host, and the scripts dev, build, test and typecheck.

Options:
${TEMPLATE_OPTION_HELP}
  --name <id>        the extension id and package name (default: from <dir>'s name)
  -h, --help         show this help
  -v, --version      print the version
`;

/** Runs `create-kiln` with `argv` (the arguments after it); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseOrThrow(argv);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (values.version) {
      console.log(CREATE_KILN_VERSION);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new ScaffoldError(
        "KILN_USAGE",
        positionals.length
          ? `create-kiln takes one <dir>, got ${positionals.length}: ${positionals.join(" ")}`
          : "create-kiln needs the folder to create the project in: npm create kiln@latest my-extension",
      );
    }
    const result = await scaffold({
      dir: positionals[0] as string,
      ...(values.template === undefined ? {} : { template: values.template }),
      ...(values.name === undefined ? {} : { name: values.name }),
    });
    process.stdout.write(nextSteps(result));
    return 0;
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    process.stderr.write(`create-kiln: ${error.code}: ${error.message}; see create-kiln --help\n`);
    return error.code === "KILN_USAGE" ? 2 : 1;
  }
}

function parseOrThrow(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        template: { type: "string", short: "t" },
        name: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs says "Unknown option '--tempalte'. To specify a positional argument starting with…":
    // its first sentence is the point.
    const message = (error as Error).message.split(". ")[0] ?? "";
    throw new ScaffoldError(
      "KILN_USAGE",
      `${message}; the options are --template (${listTemplates()}), --name, --help and --version`,
    );
  }
}
