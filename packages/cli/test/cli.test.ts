/**
 * The `kiln` CLI end to end: the real executable (bin/kiln.js → dist/main.js) in a child process,
 * the real test extension built by `kiln build`, real SQLite files in a temp folder. The child runs
 * the packages' dist/ (vitest.config.ts rebuilds them first).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type JobRecord, SqliteJobStore } from "@kiln/host";
import { compileSource, emitDynamicModule } from "@kiln/javy-plugin";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Exit, KILN, killAll, runKiln, TEST_EXTENSION, track } from "./kiln-process.js";

let tmp: string;
let dist: string;
let buildRun: Exit;

/** Runs `kiln ...args` in `tmp` with pipes (not a terminal) and resolves when it exits. */
function kiln(args: readonly string[], timeoutMs?: number): Promise<Exit> {
  return runKiln(tmp, args, timeoutMs);
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-cli-"));
  dist = join(tmp, "dist");
  buildRun = await kiln(["build", TEST_EXTENSION, "--out", dist], 120_000);
  if (buildRun.code !== 0) throw new Error(`kiln build failed: ${buildRun.stderr}`);
});

afterEach(() => {
  killAll();
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln build", () => {
  it("says what it built, where, and how big", () => {
    expect(buildRun.stderr).toBe("");
    expect(buildRun.stdout).toMatch(
      /^built test-extension 0\.1\.0 → dist\/ \(\d+ jobs, extension\.wasm \d+\.\d KiB\) in \d+ ms\n$/,
    );
  });
});

describe("kiln build of a project with problems", () => {
  it("lists every diagnostic with its code and place, then the summary; exit 1", async () => {
    const project = join(tmp, "broken");
    await mkdir(join(project, "src"), { recursive: true });
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "broken", type: "module" }));
    await writeFile(join(project, "src", "index.ts"), "export class NotAnExtension {}\n");
    const r = await kiln(["build", "broken"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^.*index\.ts:\d+:\d+: error KILN_NO_EXTENSION: /);
    expect(r.stderr).toMatch(/\n\n1 error\n$/);
  });

  it("says KILN_ENTRY_NOT_FOUND (exit 1) for a folder without an entry", async () => {
    const r = await kiln(["build", "dist"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("KILN_ENTRY_NOT_FOUND");
  });
});

describe("kiln run", () => {
  it("prints the extension's logs tagged with its id, then the result as the last line", async () => {
    const r = await kiln(["run", "dist", "counter", "--input", '{"to":3}']);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      "[test-extension] ✓ Test Extension v0.1.0 initialized!",
      "[test-extension] step 1/3",
      "[test-extension] step 2/3",
      "[test-extension] step 3/3",
      "[test-extension] Test Extension cleaned up",
      '{"count":3}',
    ]);
    console.log(`kiln run dist counter --input '{"to":3}': ${Math.round(r.ms)} ms end to end`);
  });

  it("runs the same with --optimize (V8's optimising tier on)", async () => {
    const r = await kiln(["run", "dist", "counter", "--input", '{"to":2}', "--optimize"]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout).at(-1)).toBe('{"count":2}');
  });

  it("exits 1 with a one-line reason when the job fails", async () => {
    const r = await kiln(["run", "dist", "counter", "--input", '{"to":-1}']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^kiln: KILN_EXTENSION_FAILED: job "counter" of "test-extension" \(job_[a-z2-7]{16}\) failed: .*input\.to must be an integer from 0 to 10000, got -1\n$/,
    );
    // No result line: the last stdout line is the cleanup log.
    expect(lines(r.stdout).at(-1)).toBe("[test-extension] Test Extension cleaned up");
  });

  it("exits 1 with KILN_JOB_INPUT_INVALID before loading when --input does not match the job's input type", async () => {
    const r = await kiln(["run", "dist", "counter", "--input", '{"to":"3","from":1}']);
    expect(r.code).toBe(1);
    // Nothing ran: the extension's init would have logged.
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'kiln: KILN_JOB_INPUT_INVALID: input of job "counter" of "test-extension" does not match its schema: ' +
        '/from: unknown property "from"; /to: must be number (got "3")\n',
    );
  });

  it("exits 2 with KILN_USAGE and the closest job for a job the extension does not have", async () => {
    const r = await kiln(["run", "dist", "cuonter"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^kiln: KILN_USAGE: unknown job "cuonter" \(did you mean "counter"\?\); extension "test-extension" in dist has the jobs counter, steps, .*\n$/,
    );
    const far = await kiln(["run", "dist", "zzz"]);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(
      /^kiln: KILN_USAGE: unknown job "zzz"; extension "test-extension" in dist has the jobs /,
    );
  });

  it("exits 1 with KILN_DIST_NOT_FOUND, suggesting <dir>/dist, when the folder holds no build", async () => {
    const here = await kiln(["run", ".", "counter"]);
    expect(here.code).toBe(1);
    expect(here.stderr).toBe("kiln: KILN_DIST_NOT_FOUND: no manifest.json in .: did you mean ./dist?\n");
    const project = await kiln(["run", TEST_EXTENSION, "counter"]);
    expect(project.code).toBe(1);
    expect(lines(project.stderr)).toHaveLength(1);
    expect(project.stderr).toMatch(/^kiln: KILN_DIST_NOT_FOUND: no manifest\.json in .*test-extension: /);
    const missing = await kiln(["run", "nowhere", "counter"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kiln: KILN_DIST_NOT_FOUND: no folder nowhere: /);
    const empty = await kiln(["run", "dist/..", "counter"]);
    expect(empty.stderr).toBe("kiln: KILN_DIST_NOT_FOUND: no manifest.json in dist/..: did you mean dist/../dist?\n");
  });

  it("exits 2 with one KILN_USAGE line on bad --input, unknown flags and malformed --folder", async () => {
    const bad = await kiln(["run", "dist", "counter", "--input", "{to:3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kiln: KILN_USAGE: --input is not JSON: .*; see kiln run --help\n$/);
    const flag = await kiln(["run", "dist", "counter", "--stroe", "x.db"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(
      'kiln: KILN_USAGE: unknown option "--stroe" (did you mean "--store"?); see kiln run --help\n',
    );
    const bogus = await kiln(["run", "dist", "counter", "--bogus"]);
    expect(bogus.stderr).toBe('kiln: KILN_USAGE: unknown option "--bogus"; see kiln run --help\n');
    const missing = await kiln(["run", "dist", "counter", "--input"]);
    expect(missing.stderr).toBe("kiln: KILN_USAGE: --input needs a value; see kiln run --help\n");
    const folder = await kiln(["run", "dist", "counter", "--folder", "notes"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe('kiln: KILN_USAGE: --folder takes <name>=<path>, got "notes"; see kiln run --help\n');
  });

  it("accepts --grant '*' and --folder name=path", async () => {
    const r = await kiln(["run", "dist", "counter", "--input", '{"to":1}', "--grant", "*", "--folder", "notes=."]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(lines(r.stdout).at(-1)).toBe('{"count":1}');
  });

  it("prints plain, throttled progress lines when not on a terminal, always the final one", async () => {
    const r = await kiln(["run", "dist", "steps", "--input", '{"steps":20,"stepMs":30}']);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const progress = lines(r.stdout).filter((l) => l.startsWith("progress "));
    for (const line of progress) expect(line).toMatch(/^progress \d+\/20 \d+% step \d+$/);
    expect(progress.at(-1)).toBe("progress 20/20 100% step 20");
    // 20 steps of 30 ms, at most one line per 200 ms: far fewer lines than steps.
    expect(progress.length).toBeLessThan(20);
    expect(JSON.parse(lines(r.stdout).at(-1) ?? "")).toEqual({
      steps: 20,
      sum: 210,
      resumedAt: [],
      attempt: 1,
      items: 20,
    });
  });

  it("draws a redrawn bar on stderr when it is a terminal", async (ctx) => {
    // `script` (util-linux; Debian's bsdutils) gives the child a pseudo-terminal; without it there
    // is nothing to check. CI installs it (.ci/run), so there a missing `script` fails, never skips.
    if (spawnSync("script", ["--version"]).status !== 0) {
      if (process.env.CI) throw new Error("`script` (util-linux) is missing: .ci/run installs it in CI");
      ctx.skip();
    }
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(KILN)} run dist steps --input '{"steps":10,"stepMs":50}'`;
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
    const exit = await track(child, ["script", command]).exit;
    expect(exit.code).toBe(0);
    const out = exit.stdout;
    expect(out).toMatch(/steps \[█*░*\] \d+% \d+\/10 step \d+/);
    expect(out).toContain("\r\x1b[J"); // redrawn in place
    expect(out).not.toMatch(/^progress /m); // no plain lines on a terminal
    const last = lines(out.replaceAll("\r", "")).at(-1);
    expect(last).toBe('{"steps":10,"sum":55,"resumedAt":[],"attempt":1,"items":10}');
  });
});

describe("kiln run --plugin", () => {
  const plugin = fileURLToPath(new URL("../../javy-plugin/dist/plugin.wasm", import.meta.url));

  it("runs a bare Javy module: stdin in, stdout out", async () => {
    const bytecode = await compileSource(`
      const input = new Uint8Array(1024);
      const n = Javy.IO.readSync(0, input);
      const { name } = JSON.parse(new TextDecoder().decode(input.subarray(0, n)));
      Javy.IO.writeSync(1, new TextEncoder().encode(JSON.stringify({ hello: name })));
      export function shout() { Javy.IO.writeSync(1, new TextEncoder().encode(name.toUpperCase())); }
    `);
    await writeFile(
      join(tmp, "bare.wasm"),
      await emitDynamicModule({ bytecode, exports: [{ wasmName: "shout", jsName: "shout" }] }),
    );
    const input = new TextEncoder().encode('{"name":"kiln"}');
    const start = await runKiln(tmp, ["run", "--plugin", plugin, "bare.wasm"], 60_000, input);
    expect(start).toMatchObject({ code: 0, stdout: '{"hello":"kiln"}', stderr: "" });
    const named = await runKiln(tmp, ["run", "--plugin", plugin, "bare.wasm", "--export", "shout"], 60_000, input);
    expect(named).toMatchObject({ code: 0, stdout: '{"hello":"kiln"}KILN' });
  });

  it("exits 1 with the JS error when the module throws", async () => {
    const bytecode = await compileSource(`throw new TypeError("no input");`);
    await writeFile(join(tmp, "throws.wasm"), await emitDynamicModule({ bytecode, exports: [] }));
    const r = await runKiln(tmp, ["run", "--plugin", plugin, "throws.wasm"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kiln: KILN_MODULE_FAILED: the module failed: TypeError: no input/);
  });
});

describe("kiln types --operations", () => {
  it("types the operations a module exports for ctx.call, from their schemas", async () => {
    await writeFile(
      join(tmp, "operations.mjs"),
      `const handler = () => null;
export const getInvoice = {
  name: "acme.invoices.get",
  permission: "acme.invoices.read",
  description: "One invoice.",
  input: { type: "object", properties: { id: { type: "string" } }, required: ["id"], additionalProperties: false },
  output: { type: "object", properties: { total: { type: "number" } }, required: ["total"], additionalProperties: false },
  handler,
};
export const more = [{ name: "acme.ping", permission: "acme.ping", handler }];
export const notAnOperation = { name: "x" };
`,
    );
    const r = await kiln(["types", "--operations", "operations.mjs", "--out", "ops.d.ts"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("wrote ops.d.ts: 2 operations\n");
    const stdout = await kiln(["types", "--operations", "operations.mjs"]);
    expect(stdout.stdout).toContain('declare module "@kiln/sdk" {\n  interface Operations {');
    expect(stdout.stdout).toContain(
      '    /** One invoice. */\n    "acme.invoices.get": {\n      input: {\n        id: string;\n      };\n      output: {\n        total: number;\n      };\n    };',
    );
    expect(stdout.stdout).toContain('    "acme.ping": {\n      input: unknown;\n      output: unknown;\n    };');
  });

  it("says what is wrong with the module", async () => {
    await writeFile(join(tmp, "empty.mjs"), "export const x = 1;\n");
    const empty = await kiln(["types", "--operations", "empty.mjs"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^kiln: KILN_USAGE: empty\.mjs exports no operation definition/);
    const missing = await kiln(["types", "--operations", "nope.mjs"]);
    expect(missing.stderr).toMatch(
      /^kiln: KILN_USAGE: cannot import nope\.mjs: .*point --operations at a JavaScript module/,
    );
    const usage = await kiln(["types"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("kiln: KILN_USAGE: types needs --operations <module>; see kiln types --help\n");
  });
});

describe("kiln jobs", () => {
  it("lists a job run with --store, as JSON and as a table", async () => {
    const run = await kiln(["run", "dist", "steps", "--input", '{"steps":5}', "--store", "list.db"]);
    expect(run.code).toBe(0);

    const json = await kiln(["jobs", "list", "--store", "list.db", "--json"]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const records = JSON.parse(json.stdout) as JobRecord[];
    expect(records).toHaveLength(1);
    const [job] = records as [JobRecord];
    expect(job).toMatchObject({
      extensionId: "test-extension",
      jobName: "steps",
      state: "completed",
      progress: { done: 5, total: 5, message: "step 5" },
      checkpointSeq: 5,
      attempts: 1,
      result: { steps: 5, sum: 15, resumedAt: [], attempt: 1, items: 5 },
      error: null,
    });

    const table = await kiln(["jobs", "list", "--store", "list.db"]);
    expect(table.code).toBe(0);
    const [header, row, ...rest] = lines(table.stdout) as [string, string];
    expect(rest).toEqual([]);
    expect(header.split(/\s+/)).toEqual(["ID", "EXTENSION", "JOB", "STATE", "PROGRESS", "ATTEMPTS", "UPDATED"]);
    expect(row.split(/\s{2,}/)).toEqual([
      job.id,
      "test-extension",
      "steps",
      "completed",
      "5/5 100%",
      "1",
      new Date(job.updatedAt).toISOString(),
    ]);
    // Aligned: every column starts where its header does.
    for (const name of ["EXTENSION", "JOB", "STATE", "PROGRESS", "ATTEMPTS", "UPDATED"]) {
      const at = header.indexOf(name);
      expect(row[at - 1]).toBe(" ");
      expect(row[at]).not.toBe(" ");
    }

    const failed = await kiln(["jobs", "list", "--store", "list.db", "--state", "failed,cancelled"]);
    expect(failed.stdout).toBe("no failed or cancelled jobs\n");
    const completed = await kiln(["jobs", "list", "--store", "list.db", "--state", "completed", "--json"]);
    expect((JSON.parse(completed.stdout) as JobRecord[]).map((r) => r.id)).toEqual([job.id]);
  });

  it("says so when there is nothing to resume", async () => {
    const run = await kiln(["run", "dist", "counter", "--input", '{"to":1}', "--store", "done.db"]);
    expect(run.code).toBe(0);
    const r = await kiln(["jobs", "resume", "--store", "done.db", "--extensions", "dist"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("no interrupted jobs\n");
  });

  it("resume: a cancel requested before the process died wins; a queued job runs", async () => {
    const store = SqliteJobStore.open(join(tmp, "cancel.db"));
    const doomed = await store.create({ extensionId: "test-extension", jobName: "counter", input: { to: 1 } });
    await store.transition(doomed.id, ["queued"], "running");
    await store.request(doomed.id, "cancel");
    const waiting = await store.create({ extensionId: "test-extension", jobName: "counter", input: { to: 2 } });
    await store.close();
    const r = await kiln(["jobs", "resume", "--store", "cancel.db", "--extensions", "dist"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `${doomed.id} test-extension/counter cancelled (a cancel was requested before it stopped)\n`,
    );
    expect(r.stdout).toContain(`${waiting.id} test-extension/counter completed {"count":2}\n`);
    const missing = await kiln(["jobs", "resume", "--store", "cancel.db", "--extensions", "nowhere"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("kiln: KILN_DIST_NOT_FOUND: --extensions nowhere: no such folder\n");
  });

  it("refuses a missing store, bad states, unknown flags and commands", async () => {
    const missing = await kiln(["jobs", "list", "--store", "missing.db"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("kiln: no job store at missing.db\n");
    const resumeMissing = await kiln(["jobs", "resume", "--store", "missing.db", "--extensions", "dist"]);
    expect(resumeMissing.code).toBe(1);

    const usage: [string[], string][] = [
      [
        ["jobs", "list", "--store", "x.db", "--state", "pasued"],
        'unknown job state "pasued" (did you mean "paused"?) (states: queued, running, paused, interrupted, completed, failed, cancelled)',
      ],
      [["jobs", "list", "--store", "x.db", "--bogus"], 'unknown option "--bogus"; see kiln jobs list --help'],
      [["jobs", "list", "--josn"], 'unknown option "--josn" (did you mean "--json"?); see kiln jobs list --help'],
      [["jobs", "list"], "--store <file.db> is required; see kiln jobs list --help"],
      [["jobs", "resume", "--store", "x.db"], "--extensions <dir> is required; see kiln jobs resume --help"],
      [["jobs", "frobnicate"], 'unknown jobs command "frobnicate"; see kiln jobs --help'],
      [["jobs", "resmue"], 'unknown jobs command "resmue" (did you mean "resume"?); see kiln jobs --help'],
      [["jobs"], "jobs needs a command: list or resume; see kiln jobs --help"],
    ];
    for (const [args, message] of usage) {
      const r = await kiln(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr, args.join(" ")).toBe(`kiln: KILN_USAGE: ${message}\n`);
    }
  });
});
