/**
 * The author's loop end to end: `kiln build --watch` and `kiln dev` as real processes on a copy of
 * the test extension in a temp folder, edited the way an author edits it (whole-file writes, a new
 * folder, a broken save and its fix). Waits for output lines, never for a time; the child runs the
 * packages' dist/ (vitest.config.ts rebuilds them first).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "@kiln/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { copyTestExtension } from "./fixtures.js";
import { type Child, killAll, startKiln } from "./kiln-process.js";

/** Generous: on a busy 2-core machine a cold first build takes several seconds. */
const WAIT_MS = 120_000;
const TEST_MS = 5 * WAIT_MS;

let tmp: string;
let copies = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-dev-"));
});

afterEach(() => {
  killAll();
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A fresh copy of the test extension, its entry file and that file's text. */
async function copyExtension(): Promise<{ dir: string; source: string; original: string }> {
  const dir = join(tmp, `ext-${copies++}`);
  await copyTestExtension(dir);
  const source = join(dir, "src", "index.ts");
  return { dir, source, original: await readFile(source, "utf8") };
}

/** Resolves once `stream` has printed `count` matches of `re` (a global regex), with the last one. */
async function until(child: Child, stream: "stdout" | "stderr", re: RegExp, count = 1): Promise<RegExpExecArray> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const text = child.output()[stream];
    const matches = [...text.matchAll(re)];
    if (matches.length >= count) return matches[count - 1] as RegExpExecArray;
    if (child.process.exitCode !== null || Date.now() > deadline) {
      const { stdout, stderr } = child.output();
      throw new Error(
        `no ${count}× ${re} on ${stream}; exit ${child.process.exitCode}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Ctrl-C, then how it ended. */
async function interrupt(child: Child) {
  child.process.kill("SIGINT");
  return child.exit;
}

/** A job method to add to the extension class (before its `cleanup`). */
function withJob(source: string, name: string): string {
  const method = `  @job({ name: "${name}" })\n  async added(): Promise<string> {\n    return "${name}";\n  }\n\n  cleanup(`;
  return source.replace("  cleanup(", method);
}

/** The text of `file` once `check` accepts it (the file may be missing, or half written, at first). */
async function untilFile(child: Child, file: string, check: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (check(text)) return text;
    if (child.process.exitCode !== null || Date.now() > deadline) {
      const { stdout, stderr } = child.output();
      throw new Error(`${file} never matched; exit ${child.process.exitCode}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** dist/manifest.json once `check` accepts it. */
async function untilManifest(child: Child, dir: string, check: (m: Manifest) => boolean): Promise<Manifest> {
  const parse = (text: string): Manifest | undefined => {
    try {
      return JSON.parse(text) as Manifest;
    } catch {
      return undefined;
    }
  };
  const text = await untilFile(child, join(dir, "dist", "manifest.json"), (t) => {
    const manifest = parse(t);
    return manifest !== undefined && check(manifest);
  });
  return JSON.parse(text) as Manifest;
}

const jobNames = (m: Manifest) => m.jobs.map((j) => j.name);

const BUILT = /^built test-extension 0\.1\.0 → .*\(\d+ jobs, extension\.wasm \d+\.\d KiB\) in \d+ ms$/gm;

describe("kiln build --watch", () => {
  it(
    "rebuilds on every change (a new job, a new folder), reports a broken save and recovers; Ctrl-C exits 130",
    async () => {
      const { dir, source, original } = await copyExtension();
      const child = startKiln(tmp, ["build", dir, "--watch"], TEST_MS);
      await until(child, "stdout", BUILT);
      await until(child, "stderr", /^kiln: watching .* for changes \(Ctrl-C to stop\)$/gm);
      const before = jobNames(await untilManifest(child, dir, () => true));
      expect(before).not.toContain("added");

      // A new job: dist/manifest.json and dist/types.d.ts follow.
      await writeFile(source, withJob(original, "added"));
      await untilManifest(child, dir, (m) => jobNames(m).includes("added"));
      await untilFile(child, join(dir, "dist", "types.d.ts"), (text) => /^ {2}added: \{$/m.test(text));

      // A broken save: the diagnostics as kiln build prints them, and the watch goes on.
      await writeFile(source, `${withJob(original, "added")}\nconst = ;\n`);
      await until(child, "stderr", /index\.ts:\d+:\d+: error KILN_SYNTAX_ERROR: /gm);
      await until(child, "stderr", /^\d+ errors?$/gm);

      // The fix: built again, with the job renamed.
      await writeFile(source, withJob(original, "renamed"));
      const fixed = await untilManifest(child, dir, (m) => jobNames(m).includes("renamed"));
      expect(jobNames(fixed)).toEqual([...before, "renamed"]);

      // An import of a file that does not exist yet fails; creating it, in a new folder, builds.
      const importing = `import { NAME } from "./lib/names.js";\n${original.replace('"Test Extension cleaned up"', "NAME")}`;
      await writeFile(source, importing);
      await until(child, "stderr", /lib\/names\.js/gm);
      await mkdir(join(dir, "src", "lib"));
      await writeFile(join(dir, "src", "lib", "names.ts"), 'export const NAME = "one";\n');
      const withLib = await untilManifest(child, dir, (m) => m.module.sha256 !== fixed.module.sha256);
      // A change to the file in the new folder is seen too.
      await writeFile(join(dir, "src", "lib", "names.ts"), 'export const NAME = "two";\n');
      await untilManifest(child, dir, (m) => m.module.sha256 !== withLib.module.sha256);

      const exit = await interrupt(child);
      expect(exit.code).toBe(130);
      // One line per build, nothing else on stdout.
      const lines = exit.stdout.split("\n").filter(Boolean);
      expect(lines.length).toBeGreaterThanOrEqual(5);
      for (const line of lines) expect(line).toMatch(new RegExp(BUILT.source));
    },
    TEST_MS,
  );
});

describe("kiln dev", () => {
  it(
    "runs the first job with everything granted, then again on each build with the edit's result",
    async () => {
      const { dir, source, original } = await copyExtension();
      const child = startKiln(tmp, ["dev", dir, "--input", '{"to":2}'], TEST_MS);
      await until(child, "stdout", /^counter completed in \d+ ms: \{"count":2\}$/gm);
      const { stdout, stderr } = child.output();
      expect(stdout).toContain("[test-extension] step 2/2\n");
      expect(stderr).toContain('kiln: running job "counter" (the first of counter, steps, ');
      expect(stderr).toContain('kiln: granting everything "test-extension" asks for: test.echo, test.sleep');

      await writeFile(source, original.replace("return { count };", "return { count: count * 10 };"));
      await until(child, "stdout", /^counter completed in \d+ ms: \{"count":20\}$/gm);
      // The old build was unloaded (its cleanup ran) before the new one was loaded.
      expect(child.output().stdout).toMatch(/cleaned up\n\[test-extension\] ✓ Test Extension v0\.1\.0 initialized!/);

      // A broken save: diagnostics, no run; the next good save runs again.
      await writeFile(source, `${original}\nconst = ;\n`);
      await until(child, "stderr", /error KILN_SYNTAX_ERROR: /gm);
      await writeFile(source, original.replace("return { count };", "return { count: count + 100 };"));
      await until(child, "stdout", /^counter completed in \d+ ms: \{"count":102\}$/gm);

      expect((await interrupt(child)).code).toBe(130);
    },
    TEST_MS,
  );

  it(
    "cancels a job still running when a new build lands, then runs the new build's",
    async () => {
      const { dir, source, original } = await copyExtension();
      const input = JSON.stringify({ steps: 100_000, stepMs: 10 });
      const child = startKiln(tmp, ["dev", dir, "steps", "--input", input, "--grant", "test.echo"], TEST_MS);
      await until(child, "stdout", /^progress \d+\/100000 /gm);
      expect(child.output().stderr).toContain("kiln: granting test.echo; not granted: test.sleep");

      await writeFile(source, original.replace("initialized!", "initialized again!"));
      await until(child, "stderr", /^kiln: steps cancelled after \d+ ms \(a new build landed\)$/gm);
      await until(child, "stdout", /initialized again!\n/gm);

      const exit = await interrupt(child);
      expect(exit.code).toBe(130);
      expect(exit.stderr).toMatch(/kiln: steps cancelled after \d+ ms \(Ctrl-C\)\n/);
    },
    TEST_MS,
  );

  it("prints its usage with the default job and grants", async () => {
    const exit = await startKiln(tmp, ["dev", "--help"]).exit;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain("Usage: kiln dev <extension-dir> [<job>]");
    expect(exit.stdout).toContain("default: the extension's only job, or the first one it declares");
  });

  it("refuses a folder that does not exist (KILN_USAGE, exit 2) rather than watch nothing", async () => {
    for (const args of [
      ["dev", "missing"],
      ["build", "missing", "--watch"],
    ]) {
      const exit = await startKiln(tmp, args).exit;
      expect(exit.code, args.join(" ")).toBe(2);
      expect(exit.stderr).toBe(
        `kiln: KILN_USAGE: ${args[0]} watches an extension's folder, and missing does not exist; see kiln ${args[0]} --help\n`,
      );
    }
  });
});
