/**
 * `kiln run`: one job of a built extension through the host's durable job runner, or a bare Javy
 * module with `--plugin` (the plugin tools alone). Loads `@kiln/host` and `@kiln/javy-plugin`
 * only: no TypeScript, ts-morph, esbuild or Binaryen.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { setFlagsFromString } from "node:v8";
import type { JobRecord } from "@kiln/host";
import { GRANT_OPTIONS, parse, parseFolders, parseGrants } from "../args.js";
import type { Command } from "../command.js";
import { EXIT, UsageError } from "../errors.js";
import { checkDistFolder, peekManifest } from "../extensions.js";
import { Interrupts } from "../interrupts.js";
import { followJob, parseInput, unknownJob } from "../job-run.js";
import { formatLog, jobFailure, progressView, resumeHint } from "../output.js";

const NAME = "run";

const OPTIONS = {
  input: { type: "string" },
  plugin: { type: "string" },
  export: { type: "string" },
  store: { type: "string" },
  optimize: { type: "boolean" },
  ...GRANT_OPTIONS,
} as const;

/** `kiln run <dist-dir> <job> …` and `kiln run --plugin <plugin.wasm> <module.wasm>`. */
export const command: Command = {
  name: NAME,
  usage: `Usage:
  kiln run <dist-dir> <job> [--input <json>] [--store <file.db>] [--grant <perm>]... [--folder <name>=<path>]...
  kiln run --plugin <plugin.wasm> <module.wasm> [--export <name>]

Load a built extension (<dist-dir>: the folder with manifest.json and extension.wasm, usually
<extension>/dist) and run one job through the durable job runner. Prints the extension's log lines
("[extension-id] message"), progress (a bar on stderr when it is a terminal, "progress 6/10 60%
message" lines on stdout otherwise), then the job's result as JSON on the last line of stdout. A
failure exits 1 with a one-line reason on stderr.

Options:
  --input <json>          the job's input (default null)
  --store <file.db>       keep the job in this SQLite file (created if missing), so that it can be
                          listed and resumed; default: in memory, gone at exit
  --grant <perm>          grant a permission the manifest asks for; repeatable or comma-separated;
                          '*' grants everything it asks for
  --folder <name>=<path>  let the files.* operations read <path> as folder <name>; repeatable
  --optimize              let V8 optimise the plugin fully: faster for a job that computes for
                          more than about half a second, but the process then ends ~0.4 s after
                          its result (V8 finishes its background compilation first)
  -h, --help              show this help

Ctrl-C pauses the job at its next checkpoint when --store is given (exit 130; resume it with
"kiln jobs resume --paused"), and cancels it otherwise. A second Ctrl-C exits at once.

With --plugin, runs a bare Javy dynamic module against that plugin: stdin is its input, its
stdout is printed. --export <name> calls that export instead of _start.
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, OPTIONS);
  // One job and exit: V8's baseline Wasm code is ready at once, while its optimising tier compiles
  // in the background and holds the process at exit (~0.4 s) for code that a short job never uses.
  // Must come before the plugin is compiled.
  if (values.optimize !== true) setFlagsFromString("--liftoff-only");
  if (typeof values.plugin === "string") {
    if (positionals.length !== 1) throw new UsageError("run --plugin takes exactly one <module.wasm>", NAME);
    return runBareModule(values.plugin, positionals[0] as string, values.export);
  }
  if (positionals.length !== 2) {
    throw new UsageError(`run takes <dist-dir> <job>, got ${positionals.length} argument(s)`, NAME);
  }
  const [dir, jobName] = positionals as [string, string];
  const input = parseInput(NAME, values.input);
  const permissions = parseGrants(values.grant);
  const folders = parseFolders(NAME, values.folder);
  const store = values.store;

  // Before anything starts: the folder holds a build, and the job is one of its jobs.
  checkDistFolder(dir);
  const manifest = await peekManifest(dir);
  if (manifest && !manifest.jobs.includes(jobName)) throw unknownJob(jobName, manifest, dir);

  const { checkJobInput, ExtensionHost } = await import("@kiln/host");
  // A wrong input fails now, as dispatch would fail it, before the load and the extension's init.
  if (manifest) checkJobInput(manifest.id, jobName, manifest.inputs.get(jobName), input);
  const view = progressView();
  // Everything the extension logs goes to stdout, so the result stays the last line of it.
  const host = new ExtensionHost({ store: store ?? ":memory:", logger: (e) => view.line(formatLog(e)) });
  let jobId: string | undefined;
  const stop = () => {
    if (!jobId) return; // Still loading: stopped right after.
    const id = jobId;
    view.note(`kiln: ${store ? "pausing" : "cancelling"} ${id} (press Ctrl-C again to exit at once)`);
    // A job in a store file pauses, to be resumed; an in-memory one has no future: cancel it.
    void (store ? host.jobs.pause(id) : host.jobs.cancel(id)).catch(() => undefined);
  };
  const interrupts = new Interrupts(stop);
  let final: JobRecord;
  try {
    const loaded = await host.load(dir, { permissions, folders });
    if (interrupts.signal) {
      process.stderr.write("kiln: interrupted before the job started\n");
      return interrupts.exitCode;
    }
    final = await followJob(host, view, { extensionId: loaded.id, jobName, input }, (id) => {
      jobId = id;
      if (interrupts.signal) stop();
    });
  } finally {
    view.close();
    // Unload first: cleanup may log, and the result must stay the last line of stdout.
    await host.close();
    interrupts.dispose();
  }
  if (final.state === "completed") {
    console.log(JSON.stringify(final.result ?? null));
    return EXIT.ok;
  }
  if (final.state === "paused") {
    process.stderr.write(
      `kiln: paused ${final.id}; resume with: ${resumeHint(store ?? ":memory:", dir, values.grant, values.folder)}\n`,
    );
    return interrupts.exitCode;
  }
  process.stderr.write(`kiln: ${jobFailure(final)}\n`);
  return interrupts.signal && final.state === "cancelled" ? interrupts.exitCode : EXIT.failed;
}

/** `kiln run --plugin`: a bare Javy module, stdin in, stdout out. */
async function runBareModule(plugin: string, module: string, exportName: string | undefined): Promise<number> {
  const stdin = process.stdin.isTTY ? new Uint8Array() : await readStdin();
  // The plugin tools alone: a bare module needs no host, no store.
  const { runJavyModule } = await import("@kiln/javy-plugin");
  const result = await runJavyModule({
    plugin: await readFile(plugin),
    module: await readFile(module),
    stdin,
    ...(typeof exportName === "string" ? { export: exportName } : {}),
    onStderr: (bytes) => process.stderr.write(bytes),
  });
  process.stdout.write(result.stdout);
  return EXIT.ok;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
