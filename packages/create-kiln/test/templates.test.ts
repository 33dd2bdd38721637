/**
 * Each template, end to end, as an author gets it: scaffolded into a temporary folder outside the
 * workspace whose node_modules links the workspace's packages (as an install would provide them),
 * its src/ type-checked by `tsc` with the SDK's preset, built by the workspace's compiler, and its
 * jobs run in a real host, including the job and input its `npm run dev` script runs; then its own
 * tests type-checked and run by vitest, as `npm run typecheck` and `npm test` do, with
 * `@kiln/testing`. (scripts/check-packages.mjs does the same from the packed tarballs, with npm.)
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildExtension } from "@kiln/codegen";
import { ExtensionHost, type JobRecord, type LoadOptions, type LogEntry } from "@kiln/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaffold, TEMPLATES, type TemplateInfo, type TemplateName } from "../src/index.js";

const require = createRequire(import.meta.url);
const TSC = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
/**
 * What a scaffolded project needs installed: the SDK (its preset, sandbox types and runtime) for
 * src/, the harness, vitest and Node's types for test/. (`@kiln/cli` only provides `kiln`.)
 */
const LINKED = ["@kiln/sdk", "@kiln/testing", "vitest", "@types/node"];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "create-kiln-e2e-"));
  for (const name of LINKED) {
    await mkdir(join(work, "node_modules", dirname(name)), { recursive: true });
    await symlink(dirname(require.resolve(`${name}/package.json`)), join(work, "node_modules", name), "dir");
  }
});
afterAll(() => rm(work, { recursive: true, force: true }));

const projects = new Map<TemplateName, Promise<{ dir: string; dist: string }>>();

/** A project from `template`: scaffolded, src/ type-checked, built into its dist/ (once per template). */
function project(template: TemplateName): Promise<{ dir: string; dist: string }> {
  let made = projects.get(template);
  if (!made) {
    made = makeProject(template);
    projects.set(template, made);
  }
  return made;
}

async function makeProject(template: TemplateName): Promise<{ dir: string; dist: string }> {
  const { dir } = await scaffold({ dir: join(work, `${template}-ext`), template });
  const tsc = spawnSync(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" });
  expect(tsc.stdout + tsc.stderr, `tsc -p tsconfig.json in the ${template} template`).toBe("");
  expect(tsc.status).toBe(0);
  const { outDir } = await buildExtension({ projectDir: dir });
  expect(outDir).toBe(join(dir, "dist"));
  return { dir, dist: outDir };
}

interface Run {
  readonly record: JobRecord;
  readonly logs: string[];
  readonly progress: { done: number; total: number | null; message: string | null }[];
}

/** Loads `dist` in a fresh host, runs one job to its end, and closes the host. */
async function runJob(dist: string, load: LoadOptions, job: string, input: unknown): Promise<Run> {
  const logs: LogEntry[] = [];
  const host = new ExtensionHost({ store: ":memory:", logger: (entry) => logs.push(entry) });
  try {
    const { id } = await host.load(dist, load);
    const progress: Run["progress"] = [];
    host.jobs.on("progress", (event) => progress.push(event.progress));
    const jobId = await host.jobs.dispatch(id, job, input as never);
    const record = await host.jobs.wait(jobId);
    return { record, logs: logs.filter((e) => e.jobId === jobId).map((e) => e.message), progress };
  } finally {
    await host.close();
  }
}

describe.each(Object.keys(TEMPLATES) as TemplateName[])("the %s template", (template) => {
  it("type-checks with the SDK's preset, builds, and runs the job `npm run dev` runs", async () => {
    const { dir, dist } = await project(template);
    const manifest = JSON.parse(await readFile(join(dist, "manifest.json"), "utf8")) as { id: string };
    expect(manifest.id).toBe(`${template}-ext`);
    const { job, input, folders = {} }: TemplateInfo["dev"] = TEMPLATES[template].dev;
    if (template === "http") {
      // Its dev input fetches https://example.com/, which a test must not depend on: the input is
      // valid (dispatch checks it against the job's schema) and the job starts.
      const host = new ExtensionHost({ store: ":memory:", logger: () => {} });
      try {
        const { id } = await host.load(dist, { permissions: "*" });
        const jobId = await host.jobs.dispatch(id, job, input as never);
        await host.jobs.cancel(jobId);
        expect((await host.jobs.wait(jobId)).state).toMatch(/^(cancelled|completed|failed)$/);
      } finally {
        await host.close();
      }
      return;
    }
    const inProject = Object.fromEntries(Object.entries(folders).map(([name, path]) => [name, join(dir, path)]));
    const run = await runJob(dist, { permissions: "*", folders: inProject }, job, input);
    expect(run.record.state, JSON.stringify(run.record.error)).toBe("completed");
    if (template === "basic") expect(run.record.result).toEqual({ greeting: "Hello, Kiln!" });
    if (template === "files") {
      expect(run.record.result).toEqual({ files: { "ideas/next.txt": 6, "welcome.md": 13 }, words: 19 });
    }
  });
});

describe.each(Object.keys(TEMPLATES) as TemplateName[])("the %s template's own tests", (template) => {
  it("type-check against Node's types and pass, in a real host through @kiln/testing", async () => {
    const { dir } = await project(template);
    const tsc = spawnSync(process.execPath, [TSC, "-p", "tsconfig.test.json", "--noEmit"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(tsc.stdout + tsc.stderr, `tsc -p tsconfig.test.json in the ${template} template`).toBe("");
    const vitest = join(work, "node_modules/vitest/vitest.mjs");
    let run = await runProcess(process.execPath, [vitest, "run"], dir);
    if (lostWorker(run)) {
      console.warn(`vitest lost its worker process in the ${template} template; running it once more:\n${run.output}`);
      run = await runProcess(process.execPath, [vitest, "run"], dir);
    }
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/Tests\s+\d+ passed/);
  });
});

/**
 * Whether a vitest run failed only because its pool lost a worker process: "Worker exited
 * unexpectedly", and no test failed. vitest 4's forks pool reports no exit code or signal for it.
 * It happened once in CI, in the basic template's run (its 3 tests collected, none reported,
 * no output from the worker), and never in about 300 local runs of the same project, under load
 * or not, nor in 500 runs of a script doing what its test does: so such a run is run once more,
 * its first output shown.
 */
function lostWorker(run: { code: number | null; output: string }): boolean {
  return run.code !== 0 && /Worker exited unexpectedly/.test(run.output) && !/\d+ failed/.test(run.output);
}

/** Runs a command to its end without blocking the event loop; resolves to its exit code and output. */
function runProcess(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Not this vitest's worker variables: the child is a vitest of its own. NO_COLOR: plain text to
    // match; CI: vitest's non-interactive reporter, whatever the terminal.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST")));
    const child = spawn(command, args, { cwd, env: { ...env, NO_COLOR: "1", CI: "1" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("the getting-started guide", () => {
  it("has an extension that type-checks with the SDK's preset under the manual setup it describes, and builds", async () => {
    const guide = await readFile(new URL("../../../docs/getting-started.md", import.meta.url), "utf8");
    const source = /```ts\n(\/\/ src\/index\.ts\n[\s\S]*?)```/.exec(guide)?.[1];
    expect(source).toContain("@extension(");
    const dir = join(work, "by-hand");
    await mkdir(join(dir, "src"), { recursive: true });
    await writeFile(join(dir, "src/index.ts"), source as string);
    // The guide's manual setup: "type": "module", and the preset as the whole tsconfig.json.
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "by-hand", type: "module" }));
    const tsconfig = /```json\n\s*(\{ "extends": "@kiln\/sdk\/tsconfig\.json".*\})\n/.exec(guide)?.[1];
    expect(tsconfig).toBeDefined();
    await writeFile(join(dir, "tsconfig.json"), tsconfig as string);
    const tsc = spawnSync(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    const { manifest } = await buildExtension({ projectDir: dir });
    expect(manifest.jobs.map((j) => j.name)).toEqual(["count"]);
  });
});

describe("the templates' jobs", () => {
  it("basic: hello logs and reports progress; count checkpoints after each step", async () => {
    const { dist } = await project("basic");
    const hello = await runJob(dist, {}, "hello", { name: "Ada" });
    expect(hello.record.result).toEqual({ greeting: "Hello, Ada!" });
    expect(hello.logs).toEqual(["Hello, Ada!"]);
    expect(hello.progress.at(-1)).toEqual({ done: 1, total: 1, message: "done" });
    const count = await runJob(dist, {}, "count", { to: 4 });
    expect(count.record).toMatchObject({
      state: "completed",
      result: { sum: 10 },
      checkpoint: { done: 4, sum: 10 },
      checkpointSeq: 4,
      counters: { items: 4 },
    });
  });

  it("http: fetches from an allowed host, and is refused any other", async () => {
    const { dist } = await project("http");
    const server = createServer((request, response) => {
      if (request.url === "/") response.writeHead(200, { "content-type": "text/html" }).end("<title>Home</title>Hi");
      else response.writeHead(404).end("not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await runJob(dist, { permissions: ["http.fetch"] }, "page-info", { url: `${base}/` });
      expect(page.record.result).toEqual({ url: `${base}/`, status: 200, title: "Home", bytes: 21 });
      expect(page.logs).toEqual([`200 ${base}/`]);
      const missing = await runJob(dist, { permissions: ["http.fetch"] }, "page-info", { url: `${base}/gone` });
      expect(missing.record.result).toEqual({ url: `${base}/gone`, status: 404, title: null, bytes: 9 });
      const refused = await runJob(dist, { permissions: ["http.fetch"] }, "page-info", { url: "http://127.0.0.2:9/" });
      expect(refused.record.state).toBe("failed");
      expect(refused.record.error?.message).toContain("fetch failed");
      const denied = await runJob(dist, {}, "page-info", { url: `${base}/` });
      expect(denied.record.state).toBe("failed");
    } finally {
      server.close();
    }
  });

  it("files: counts the words of the text files in a granted folder, and only there", async () => {
    const { dir, dist } = await project("files");
    const notes = { notes: join(dir, "notes") };
    const run = await runJob(dist, { permissions: ["files.read"], folders: notes }, "word-count", {
      folder: "notes",
      path: "ideas",
    });
    expect(run.record.result).toEqual({ files: { "ideas/next.txt": 6 }, words: 6 });
    expect(run.logs).toEqual(["1 text files in notes/ideas"]);
    expect(run.progress.map((p) => p.message)).toEqual(["ideas/next.txt"]);
    const ungranted = await runJob(dist, { permissions: ["files.read"], folders: notes }, "word-count", {
      folder: "elsewhere",
    });
    expect(ungranted.record.state).toBe("failed");
  });
});
