/**
 * `kiln dev`: the author's loop. `kiln build --watch`, and after every build that succeeds, one job
 * of the new build in a host that stays up between builds (the old build unloaded, the new one
 * loaded): an edit shows its result in well under a second instead of two cold processes.
 *
 * @module
 */
import type { BuildOptions, BuildResult } from "@kiln/codegen";
import type { ExtensionHost } from "@kiln/host";
import { GRANT_OPTIONS, parse, parseFolders, parseGrants } from "../args.js";
import type { Command } from "../command.js";
import { errorLine, UsageError } from "../errors.js";
import { followJob, parseInput, unknownJob } from "../job-run.js";
import { formatLog, jobFailure, progressView } from "../output.js";
import type { ProgressView } from "../progress.js";

const NAME = "dev";

const OPTIONS = {
  input: { type: "string" },
  out: { type: "string" },
  strict: { type: "boolean" },
  "no-typecheck": { type: "boolean" },
  ...GRANT_OPTIONS,
} as const;

/** `kiln dev <extension-dir> [<job>] …`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln dev <extension-dir> [<job>] [--input <json>] [--grant <perm>]... [--folder <name>=<path>]...

Build the extension in <extension-dir> and run one of its jobs; then, on every change to the
project's sources, package.json or tsconfig.json, build again and run the job again on the new
build, until Ctrl-C. Each build prints its "built …" line (or its diagnostics, and the loop waits
for the next change); each run prints the extension's log lines and progress as kiln run does,
then "<job> completed in <ms> ms: <result-json>" (or why it failed, on stderr).

The process stays warm between builds: the compiler stays loaded, the plugin is compiled once and
shared by the build and the host, and one host (its worker threads, its in-memory store) serves
every build: the old build is unloaded and the new one loaded. A job still running when a new
build lands is cancelled first.

<job>  the job to run; default: the extension's only job, or the first one it declares
       (the first @job in the source). A job the build does not have is reported at each build.

Options:
  --input <json>          the job's input (default null), the same for every run
  --grant <perm>          grant only these of the permissions the manifest asks for; repeatable or
                          comma-separated; default: everything it asks for (printed at the start)
  --folder <name>=<path>  let the files.* operations read <path> as folder <name>; repeatable
  --out <dir>             write the build to <dir> instead of <extension-dir>/dist
  --strict, --no-typecheck
                          as for kiln build
  -h, --help              show this help

Ctrl-C cancels the running job and stops (exit 130); a second Ctrl-C exits at once.
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, OPTIONS);
  if (positionals.length < 1 || positionals.length > 2) {
    throw new UsageError(
      positionals.length
        ? `dev takes <extension-dir> [<job>], got ${positionals.length} arguments`
        : "dev needs an <extension-dir>",
      NAME,
    );
  }
  const [projectDir, jobName] = positionals as [string, string | undefined];
  const options: BuildOptions = {
    projectDir,
    ...(typeof values.out === "string" ? { outDir: values.out } : {}),
    ...(values.strict === true ? { strict: true } : {}),
    ...(values["no-typecheck"] === true ? { typecheck: false } : {}),
  };
  const runner = new DevRunner({
    jobName,
    input: parseInput(NAME, values.input),
    // A dev loop runs the author's own code: everything it asks for, unless told otherwise.
    permissions: values.grant === undefined ? "*" : parseGrants(values.grant),
    chosenGrants: values.grant !== undefined,
    folders: parseFolders(NAME, values.folder),
  });
  const { checkProjectFolder, watchBuilds } = await import("../watch.js");
  checkProjectFolder(NAME, projectDir);
  runner.prepare();
  return watchBuilds(options, {
    onBuilt: (result) => runner.deploy(result),
    onInterrupt: () => runner.interrupt(),
    onStop: () => runner.close(),
  });
}

/** What {@link DevRunner} runs after each build. */
interface DevOptions {
  /** The job to run; undefined: the build's only or first job. */
  readonly jobName: string | undefined;
  readonly input: unknown;
  readonly permissions: readonly string[] | "*";
  /** Whether the permissions come from --grant (else: everything the manifest asks for). */
  readonly chosenGrants: boolean;
  readonly folders: Readonly<Record<string, string>>;
}

/**
 * The host side of `kiln dev`: one host for the whole session, made at the first build with the
 * plugin the build compiled; after each build, the previous job cancelled, the previous build
 * unloaded, the new one loaded and its job started (not awaited: the next build may cancel it).
 */
class DevRunner {
  readonly #options: DevOptions;
  readonly #view: ProgressView = progressView();
  #host: Promise<ExtensionHost> | undefined;
  /** The extension id of the build loaded now. */
  #loaded: string | undefined;
  /** The job running now: its id once dispatched, and the promise that follows it to its end. */
  #jobId: string | undefined;
  #following: Promise<void> | undefined;
  /** Why the running job is being cancelled, once it is. */
  #stopping: string | undefined;
  /** What was last said about the job and the grants, to say it again only when it changes. */
  #said = { job: "", grants: "" };

  constructor(options: DevOptions) {
    this.#options = options;
  }

  /** Runs the job on a new build; resolves once the job has started (or could not). */
  async deploy(result: BuildResult): Promise<void> {
    await this.#stopJob("a new build landed");
    const host = await this.#hostOnce();
    if (this.#loaded !== undefined) {
      const id = this.#loaded;
      this.#loaded = undefined;
      await host.unload(id).catch((error: unknown) => this.#view.note(`kiln: ${errorLine(error)}`));
    }
    const { manifest, outDir } = result;
    const jobs = manifest.jobs.map((j) => j.name);
    const jobName = this.#options.jobName ?? jobs[0];
    if (jobName === undefined) {
      this.#view.note(`kiln: extension "${manifest.id}" has no jobs yet: nothing to run`);
      return;
    }
    if (!jobs.includes(jobName)) {
      this.#view.note(`kiln: ${unknownJob(jobName, { id: manifest.id, jobs }, outDir).message}`);
      return;
    }
    this.#say("job", this.#jobNote(jobName, jobs));
    let extensionId: string;
    try {
      const loaded = await host.load(outDir, {
        permissions: this.#options.permissions,
        folders: this.#options.folders,
      });
      extensionId = loaded.id;
      this.#say("grants", this.#grantsNote(loaded.id, loaded.granted, manifest.permissions));
    } catch (error) {
      this.#view.note(`kiln: ${errorLine(error)}`);
      return;
    }
    this.#loaded = extensionId;
    this.#stopping = undefined;
    this.#following = this.#follow(host, extensionId, jobName);
  }

  /**
   * Starts importing the host and compiling the plugin now, alongside the first build (which
   * compiles the same plugin, once), rather than after it.
   */
  prepare(): void {
    this.#hostOnce().catch(() => undefined); // A failure is reported by the first deploy.
  }

  /** The first Ctrl-C: the running job is cancelled now, the rest happens in {@link close}. */
  interrupt(): void {
    void this.#stopJob("Ctrl-C");
  }

  /** Cancels the running job, unloads the build and closes the host. */
  async close(): Promise<void> {
    await this.#stopJob("Ctrl-C");
    this.#view.close();
    const host = this.#host;
    this.#host = undefined;
    if (host) await (await host).close();
  }

  /** The host, made once, with the plugin module the first build compiled (one compile per process). */
  #hostOnce(): Promise<ExtensionHost> {
    this.#host ??= (async () => {
      const [{ ExtensionHost }, { loadPluginModule }] = await Promise.all([
        import("@kiln/host"),
        import("@kiln/javy-plugin"),
      ]);
      const view = this.#view;
      return new ExtensionHost({
        store: ":memory:",
        plugin: await loadPluginModule(),
        logger: (entry) => view.line(formatLog(entry)),
      });
    })();
    return this.#host;
  }

  async #follow(host: ExtensionHost, extensionId: string, jobName: string): Promise<void> {
    const { input } = this.#options;
    const started = performance.now();
    try {
      const final = await followJob(host, this.#view, { extensionId, jobName, input }, (id) => {
        this.#jobId = id;
        // Superseded while it was being dispatched.
        if (this.#stopping) void host.jobs.cancel(id).catch(() => undefined);
      });
      const ms = Math.round(performance.now() - started);
      if (final.state === "completed") {
        this.#view.line(`${jobName} completed in ${ms} ms: ${JSON.stringify(final.result ?? null)}`);
      } else if (final.state === "cancelled" && this.#stopping) {
        this.#view.note(`kiln: ${jobName} cancelled after ${ms} ms (${this.#stopping})`);
      } else {
        this.#view.note(`kiln: ${jobFailure(final)}`);
      }
    } catch (error) {
      // Refused at dispatch: an --input the job's input type does not accept, say.
      this.#view.note(`kiln: ${errorLine(error)}`);
    } finally {
      this.#jobId = undefined;
    }
  }

  /** Cancels the running job, if any, and resolves when it has ended. */
  async #stopJob(reason: string): Promise<void> {
    const following = this.#following;
    if (!following) return;
    this.#stopping ??= reason;
    const id = this.#jobId;
    const host = this.#host;
    if (id !== undefined && host) await (await host).jobs.cancel(id).catch(() => undefined);
    await following;
    if (this.#following === following) this.#following = undefined;
  }

  #jobNote(jobName: string, jobs: readonly string[]): string {
    const input = JSON.stringify(this.#options.input);
    if (this.#options.jobName !== undefined) return `kiln: running job "${jobName}" with input ${input}`;
    const why = jobs.length === 1 ? "its only job" : `the first of ${jobs.join(", ")}; name another after the folder`;
    return `kiln: running job "${jobName}" (${why}) with input ${input}`;
  }

  #grantsNote(id: string, granted: readonly string[], asked: readonly string[]): string {
    if (!asked.length) return `kiln: "${id}" asks for no permissions`;
    const list = granted.length ? granted.join(", ") : "nothing";
    if (!this.#options.chosenGrants) return `kiln: granting everything "${id}" asks for: ${list} (choose with --grant)`;
    const refused = asked.filter((p) => !granted.includes(p));
    return `kiln: granting ${list}${refused.length ? `; not granted: ${refused.join(", ")}` : ""}`;
  }

  #say(what: "job" | "grants", text: string): void {
    if (this.#said[what] === text) return;
    this.#said[what] = text;
    this.#view.note(text);
  }
}
