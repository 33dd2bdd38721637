/**
 * The `kiln` command line. Exit codes: 0 success, 1 the command failed (reason on stderr), 2 usage.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { ExtensionHost, runJavyModule } from "@kiln/host";
import { buildExtension } from "./build.js";
import { DiagnosticsError, formatDiagnostic } from "./diagnostics.js";
import { CODEGEN_VERSION } from "./version.js";

const USAGE = `kiln ${CODEGEN_VERSION}

Usage:
  kiln build <extension-dir> [--out <dir>]
      Build the extension: <extension-dir>/dist/{manifest.json, extension.wasm}.
  kiln run <dist-dir> <job> [--input <json>]
      Load a built extension, run one job, print its logs, then its result as JSON (last line).
  kiln run --plugin <plugin.wasm> <module.wasm> [--export <name>]
      Run a bare Javy dynamic module: stdin is its input, its stdout is printed.
  kiln --version | --help
`;

class UsageError extends Error {}

/** Runs the CLI; resolves to the exit code. Exported for tests that run it in-process. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "build":
        return await build(rest);
      case "run":
        return await run(rest);
      case "--version":
      case "-v":
        console.log(CODEGEN_VERSION);
        return 0;
      case undefined:
      case "--help":
      case "-h":
      case "help":
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`kiln: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DiagnosticsError) {
      process.stderr.write(`${error.diagnostics.map(formatDiagnostic).join("\n\n")}\n\n${error.message.split("\n").at(-1)}\n`);
      return 1;
    }
    process.stderr.write(`kiln: ${oneLine(error)}\n`);
    return 1;
  }
}

/** The one-line reason a failed command prints: `CODE: what happened; details`. */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = error.message
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .filter(Boolean)
    .join("; ");
  return typeof code === "string" && code.startsWith("KILN_") ? `${code}: ${text}` : text;
}

function parse(args: readonly string[], options: Record<string, { type: "string" | "boolean" }>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function build(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: "string" } });
  if (positionals.length !== 1) throw new UsageError("build takes exactly one <extension-dir>");
  const started = performance.now();
  const result = await buildExtension({
    projectDir: positionals[0] as string,
    ...(typeof values.out === "string" ? { outDir: values.out } : {}),
  });
  const ms = Math.round(performance.now() - started);
  const rel = relative(process.cwd(), result.outDir) || ".";
  console.log(
    `built ${result.manifest.id} ${result.manifest.version} → ${rel}/ ` +
      `(${result.manifest.jobs.length} job${result.manifest.jobs.length === 1 ? "" : "s"}, ` +
      `extension.wasm ${(result.sizes.module / 1024).toFixed(1)} KiB) in ${ms} ms`,
  );
  return 0;
}

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    input: { type: "string" },
    plugin: { type: "string" },
    export: { type: "string" },
  });
  if (typeof values.plugin === "string") {
    if (positionals.length !== 1) throw new UsageError("run --plugin takes exactly one <module.wasm>");
    const stdin = process.stdin.isTTY ? new Uint8Array() : await readStdin();
    const result = await runJavyModule({
      plugin: await readFile(values.plugin),
      module: await readFile(positionals[0] as string),
      stdin,
      ...(typeof values.export === "string" ? { export: values.export } : {}),
      onStderr: (bytes) => process.stderr.write(bytes),
    });
    process.stdout.write(result.stdout);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError("run takes <dist-dir> <job>");
  const [dir, jobName] = positionals as [string, string];
  let input: unknown = null;
  if (typeof values.input === "string") {
    try {
      input = JSON.parse(values.input);
    } catch (error) {
      throw new UsageError(`--input is not JSON: ${(error as Error).message}`);
    }
  }
  const host = new ExtensionHost({
    // Everything the extension logs goes to stdout, so the result stays the last line of it.
    logger: (e) => console.log(`[${e.extensionId}] ${e.level === "info" ? "" : `${e.level}: `}${e.message}`),
  });
  let result: unknown;
  try {
    const loaded = await host.load(dir);
    result = await host.run(loaded.id, jobName, input);
  } finally {
    // Unload first: cleanup may log, and the result must stay the last line of stdout.
    await host.close();
  }
  console.log(JSON.stringify(result));
  return 0;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
