/**
 * The `kiln` CLI end to end: the real executable (bin/kiln.js → dist/cli.js) in a child process,
 * the real test extension built by `kiln build`, real SQLite files in a temp folder.
 * Build codegen and host first (`tsc -b tsconfig.build.json` in each): the child runs their dist.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JobRecord } from "@kiln/host";
import { compileSource, emitDynamicModule } from "@kiln/javy-plugin";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatBar, formatPlainLine, ProgressView } from "../src/progress.js";
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

  it("exits 1 with KILN_JOB_NOT_FOUND for a job the extension does not have", async () => {
    const r = await kiln(["run", "dist", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^kiln: KILN_JOB_NOT_FOUND: extension "test-extension" has no job "nope" \(its jobs: counter, steps, .*\)\n$/,
    );
  });

  it("exits 1 with a one-line reason when the folder holds no extension", async () => {
    const r = await kiln(["run", ".", "counter"]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^kiln: KILN_MANIFEST_INVALID: .*manifest\.json/);
  });

  it("exits 2 on bad --input, unknown flags and malformed --folder", async () => {
    const bad = await kiln(["run", "dist", "counter", "--input", "{to:3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kiln: --input is not JSON: /);
    expect(bad.stderr).toContain("Usage:");
    const flag = await kiln(["run", "dist", "counter", "--bogus"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^kiln: Unknown option '--bogus'/);
    const folder = await kiln(["run", "dist", "counter", "--folder", "notes"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/^kiln: --folder takes <name>=<path>, got "notes"/);
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
    // `script` (util-linux) gives the child a pseudo-terminal; without it there is nothing to check.
    if (spawnSync("script", ["--version"]).status !== 0) ctx.skip();
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

  it("refuses a missing store, bad states, unknown flags and commands", async () => {
    const missing = await kiln(["jobs", "list", "--store", "missing.db"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("kiln: no job store at missing.db\n");
    const resumeMissing = await kiln(["jobs", "resume", "--store", "missing.db", "--extensions", "dist"]);
    expect(resumeMissing.code).toBe(1);

    for (const args of [
      ["jobs", "list", "--store", "x.db", "--state", "sleeping"],
      ["jobs", "list", "--store", "x.db", "--bogus"],
      ["jobs", "list"],
      ["jobs", "resume", "--store", "x.db"],
      ["jobs", "frobnicate"],
      ["jobs"],
    ]) {
      const r = await kiln(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^kiln: .+\n\nkiln \d/);
    }
  });

  it("documents every command in --help", async () => {
    const r = await kiln(["--help"]);
    expect(r.code).toBe(0);
    for (const usage of [
      "kiln build",
      "kiln run <dist-dir> <job>",
      "kiln run --plugin",
      "kiln jobs list",
      "kiln jobs resume",
    ]) {
      expect(r.stdout).toContain(usage);
    }
  });
});

describe("ProgressView", () => {
  function sink(columns?: number) {
    const s = {
      text: "",
      columns,
      write(t: string) {
        s.text += t;
      },
    };
    return s;
  }

  it("formats bars and plain lines", () => {
    const p = { done: 6, total: 10, message: "six" };
    expect(formatPlainLine(p)).toBe("progress 6/10 60% six");
    expect(formatPlainLine({ done: 6, total: null, message: null })).toBe("progress 6 done");
    expect(formatBar("steps", p)).toBe("steps [████████████░░░░░░░░] 60% 6/10 six");
    expect(formatBar("steps", { done: 6, total: null, message: null })).toMatch(/^steps . 6 done$/);
    expect([...formatBar("steps", { ...p, message: "x".repeat(200) }, 0, 40)]).toHaveLength(39);
  });

  it("throttles plain lines and always prints the last one", () => {
    let now = 1000;
    const out = sink();
    const view = new ProgressView({ tty: false, out, err: sink(), now: () => now });
    view.start("a", "steps");
    for (let i = 1; i <= 10; i++) {
      view.update("a", { done: i, total: 10, message: null });
      now += 50;
    }
    view.line("a log line");
    view.finish("a");
    expect(out.text).toBe(
      ["progress 1/10 10%", "progress 5/10 50%", "progress 9/10 90%", "a log line", "progress 10/10 100%", ""].join(
        "\n",
      ),
    );
  });

  it("clears the bars before a log line and redraws them after", () => {
    const out = sink();
    const err = sink(80);
    const view = new ProgressView({ tty: true, out, err, redrawMs: 0 });
    view.start("a", "one");
    view.start("b", "two", { done: 1, total: 2, message: null });
    view.line("hello");
    expect(out.text).toBe("hello\n");
    // Two bars were drawn: up one line, clear to the end of the screen, the log line, both bars again.
    const tail = err.text.slice(err.text.lastIndexOf("\x1b[1A"));
    expect(tail.startsWith("\x1b[1A\r\x1b[J\r\x1b[Jone ")).toBe(true);
    expect(tail.endsWith(" starting\ntwo [██████████░░░░░░░░░░] 50% 1/2")).toBe(true);
    view.close();
    // Both bars removed, the cursor back at the start of the line they were on.
    expect(err.text.endsWith("\x1b[1A\r\x1b[J\r\x1b[Jtwo [██████████░░░░░░░░░░] 50% 1/2\r\x1b[J")).toBe(true);
  });
});
