/**
 * The host checks a job's values against the JSON Schemas in its manifest: the input at dispatch
 * (and `host.run`), the result when it completes, the state of each checkpoint. Real host, real
 * Wasm, real SQLite; the extensions speak the runtime protocol directly (see fixtures.ts).
 */
import { rm } from "node:fs/promises";
import { RuntimeOps } from "@kiln/sdk/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ExtensionHost,
  type ExtensionHostOptions,
  JobInputInvalidError,
  JobOutputInvalidError,
  type LogEntry,
} from "../src/index.js";
import { type FixtureOptions, type FixtureSchemas, makeExtension } from "./fixtures.js";

const dirs: string[] = [];
const hosts: ExtensionHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/**
 * `echo` returns its input; `give` returns `input.value`; `save` checkpoints each of
 * `input.states` and returns how many; `save-catch` does the same but catches each refusal (and
 * logs its code), then returns normally.
 */
const SOURCE = `
const checkpoint = (state) => call("${RuntimeOps.checkpoint}", { state, progress: null, counters: { items: 0, bytes: 0 } });
const log = (message) => call("${RuntimeOps.log}", { level: "info", message });
export function kilnInit() {}
export function kilnCleanup() {}
export function jobEcho() { complete(readInput().input); }
export function jobGive() { complete(readInput().input.value); }
export function jobSave() {
  const { input } = readInput();
  for (const state of input.states) checkpoint(state);
  complete(input.states.length);
}
export function jobSaveCatch() {
  const { input } = readInput();
  for (const state of input.states) {
    try { checkpoint(state); log("saved " + JSON.stringify(state)); }
    catch (e) { log("caught " + e.code); }
  }
  complete(input.states.length);
}
`;
const JOBS = ["echo", "give", "save", "save-catch"];

const INPUT_SCHEMA = {
  type: "object",
  required: ["to"],
  additionalProperties: false,
  properties: {
    to: { type: "number" },
    mode: { enum: ["fast", "slow"] },
    email: { type: "string", format: "email" },
    options: {
      type: "object",
      required: ["depth"],
      additionalProperties: false,
      properties: { depth: { type: "integer", minimum: 0 } },
    },
  },
};
const OUTPUT_SCHEMA = { type: "object", required: ["count"], properties: { count: { type: "integer" } } };
const STATE_SCHEMA = {
  type: "object",
  required: ["i"],
  additionalProperties: false,
  properties: { i: { type: "integer" } },
};
const SCHEMAS: FixtureSchemas = {
  echo: { input: INPUT_SCHEMA },
  give: { output: OUTPUT_SCHEMA },
  save: { state: STATE_SCHEMA },
  "save-catch": { state: STATE_SCHEMA },
};

async function extension(options: Omit<FixtureOptions, "source" | "jobs"> = {}): Promise<string> {
  const dir = await makeExtension({ id: "typed", source: SOURCE, jobs: JOBS, schemas: SCHEMAS, ...options });
  dirs.push(dir);
  return dir;
}

let typedDir: string;
beforeAll(async () => {
  typedDir = await extension();
});

async function setup(options: ExtensionHostOptions = {}) {
  const logs: LogEntry[] = [];
  const host = new ExtensionHost({ logger: (entry) => logs.push(entry), ...options });
  hosts.push(host);
  await host.load(typedDir);
  return { host, logs };
}

describe("the input schema, at dispatch and in host.run", () => {
  const refused: [string, unknown, { path: string; message: string }[]][] = [
    ["a missing required property", {}, [{ path: "/to", message: 'missing required property "to"' }]],
    ["a value of the wrong type", { to: "3" }, [{ path: "/to", message: 'must be number (got "3")' }]],
    ["an unknown property", { to: 1, extra: true }, [{ path: "/extra", message: 'unknown property "extra"' }]],
    [
      "a value outside an enum",
      { to: 1, mode: "medium" },
      [{ path: "/mode", message: 'must be one of ["fast","slow"] (got "medium")' }],
    ],
    [
      "a nested path",
      { to: 1, options: { depth: -1 } },
      [{ path: "/options/depth", message: "must be >= 0 (got -1)" }],
    ],
    ["a format", { to: 1, email: "nope" }, [{ path: "/email", message: 'must be a valid email (got "nope")' }]],
    ["a null input (omitted)", undefined, [{ path: "/", message: "must be object (got null)" }]],
    ["an array", [1, 2], [{ path: "/", message: "must be object (got an array of 2)" }]],
    [
      "several problems at once",
      { to: "3", extra: 1, options: {} },
      [
        { path: "/extra", message: 'unknown property "extra"' },
        { path: "/to", message: 'must be number (got "3")' },
        { path: "/options/depth", message: 'missing required property "depth"' },
      ],
    ],
  ];

  it.each(refused)("refuses %s: dispatch stores nothing", async (_, input, issues) => {
    const { host } = await setup();
    const dispatch =
      input === undefined ? host.jobs.dispatch("typed", "echo") : host.jobs.dispatch("typed", "echo", input);
    const error = await dispatch.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JobInputInvalidError);
    const invalid = error as JobInputInvalidError;
    expect(invalid.code).toBe("KILN_JOB_INPUT_INVALID");
    expect(invalid.extensionId).toBe("typed");
    expect(invalid.jobName).toBe("echo");
    expect(invalid.issues).toEqual(expect.arrayContaining(issues));
    expect(invalid.issues).toHaveLength(issues.length);
    expect(invalid.message).toMatch(/^input of job "echo" of "typed" does not match its schema: /);
    for (const issue of issues) expect(invalid.message).toContain(`${issue.path}: ${issue.message}`);
    expect(await host.jobs.list()).toEqual([]);
    // host.run refuses the same input the same way, before anything runs.
    await expect(host.run("typed", "echo", input)).rejects.toMatchObject({ code: "KILN_JOB_INPUT_INVALID", issues });
  });

  it("passes a valid input through, to dispatch and to host.run", async () => {
    const { host } = await setup();
    const input = { to: 3, mode: "fast", email: "a@example.com", options: { depth: 2 } };
    const done = await host.jobs.wait(await host.jobs.dispatch("typed", "echo", input));
    expect(done).toMatchObject({ state: "completed", result: input });
    await expect(host.run("typed", "echo", { to: 1 })).resolves.toEqual({ to: 1 });
  });

  it("checks JSON-ness first: a non-JSON input is KILN_INVALID_INPUT, not a schema mismatch", async () => {
    const { host } = await setup();
    await expect(host.jobs.dispatch("typed", "echo", { to: Number.NaN })).rejects.toMatchObject({
      code: "KILN_INVALID_INPUT",
    });
  });
});

describe("tuples whose length is not fixed, as codegen writes them", () => {
  // `[string, number?]` and `[string, ...number[]]`: Ajv's strict mode would refuse to compile both.
  const TUPLES = {
    type: "object",
    properties: {
      optionalTail: {
        type: "array",
        prefixItems: [{ type: "string" }, { type: "number" }],
        items: false,
        minItems: 1,
        maxItems: 2,
      },
      rest: { type: "array", prefixItems: [{ type: "string" }], items: { type: "number" }, minItems: 1 },
    },
  };

  it("load, and check each element", async () => {
    const dir = await makeExtension({ id: "tuples", source: SOURCE, jobs: JOBS, schemas: { echo: { input: TUPLES } } });
    dirs.push(dir);
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    await host.load(dir);
    const good = { optionalTail: ["a"], rest: ["a", 1, 2, 3] };
    await expect(host.run("tuples", "echo", good)).resolves.toEqual(good);
    await expect(host.run("tuples", "echo", { optionalTail: ["a", 1] })).resolves.toEqual({ optionalTail: ["a", 1] });
    await expect(host.run("tuples", "echo", { optionalTail: ["a", 1, 2], rest: ["a", "b"] })).rejects.toMatchObject({
      code: "KILN_JOB_INPUT_INVALID",
      issues: expect.arrayContaining([
        expect.objectContaining({ path: "/optionalTail" }),
        expect.objectContaining({ path: "/rest/1" }),
      ]),
    });
  });
});

describe("any valid draft 2020-12 schema, as another tool or a hand-written manifest has it", () => {
  // No "type" beside "properties", "required" naming a property only patternProperties describes:
  // valid JSON Schema, which Ajv's strict mode would refuse and codegen never writes.
  const LOOSE = {
    properties: { to: { type: "number" } },
    patternProperties: { "^x-": { type: "string" } },
    required: ["to", "x-id"],
  };

  it("loads, and checks", async () => {
    const dir = await makeExtension({
      id: "handwritten",
      source: SOURCE,
      jobs: JOBS,
      schemas: { echo: { input: LOOSE } },
    });
    dirs.push(dir);
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    await host.load(dir);
    await expect(host.run("handwritten", "echo", { to: 1, "x-id": "a" })).resolves.toEqual({ to: 1, "x-id": "a" });
    await expect(host.run("handwritten", "echo", { to: 1, "x-id": 2 })).rejects.toMatchObject({
      code: "KILN_JOB_INPUT_INVALID",
      issues: [expect.objectContaining({ path: "/x-id" })],
    });
  });
});

describe("the output schema, when a job completes", () => {
  it("a result that breaks it fails the job with KILN_JOB_OUTPUT_INVALID; a good one completes", async () => {
    const { host } = await setup();
    const bad = await host.jobs.wait(await host.jobs.dispatch("typed", "give", { value: { count: "many" } }));
    expect(bad).toMatchObject({ state: "failed", result: null, error: { code: "KILN_JOB_OUTPUT_INVALID" } });
    expect(bad.error?.message).toBe(
      'result of job "give" of "typed" does not match its schema: /count: must be integer (got "many")',
    );
    const nothing = await host.jobs.wait(await host.jobs.dispatch("typed", "give", {}));
    expect(nothing).toMatchObject({ state: "failed", error: { code: "KILN_JOB_OUTPUT_INVALID" } });
    expect(nothing.error?.message).toContain("/: must be object (got null)");
    const good = await host.jobs.wait(await host.jobs.dispatch("typed", "give", { value: { count: 2 } }));
    expect(good).toMatchObject({ state: "completed", result: { count: 2 }, error: null });
  });

  it("host.run rejects with the same error", async () => {
    const { host } = await setup();
    const error = await host.run("typed", "give", { value: { count: 1.5 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobOutputInvalidError);
    expect(error).toMatchObject({
      code: "KILN_JOB_OUTPUT_INVALID",
      issues: [{ path: "/count", message: "must be integer (got 1.5)" }],
    });
    await expect(host.run("typed", "give", { value: { count: 1 } })).resolves.toEqual({ count: 1 });
  });
});

describe("the state schema, at each checkpoint", () => {
  it("refuses a bad state: not stored, the last good checkpoint stays, the job fails", async () => {
    const { host } = await setup();
    const id = await host.jobs.dispatch("typed", "save", { states: [{ i: 1 }, { i: "two" }, { i: 3 }] });
    const done = await host.jobs.wait(id);
    expect(done).toMatchObject({ state: "failed", error: { code: "KILN_CHECKPOINT_INVALID" }, checkpoint: { i: 1 } });
    expect(done.checkpointSeq).toBe(1);
    expect(done.error?.message).toContain(
      'checkpoint state of job "save" of "typed" does not match its schema: /i: must be integer (got "two")',
    );
  });

  it("a job that catches the refusal still ends failed, and saves no later checkpoint", async () => {
    const { host, logs } = await setup();
    const id = await host.jobs.dispatch("typed", "save-catch", { states: [{ i: 1 }, { i: 2, x: 0 }, { i: 3 }] });
    const done = await host.jobs.wait(id);
    expect(done).toMatchObject({ state: "failed", error: { code: "KILN_CHECKPOINT_INVALID" }, checkpoint: { i: 1 } });
    expect(done.error?.message).toContain('/x: unknown property "x"');
    expect(done.result).toBeNull();
    // The job's own view: its checkpoint call was refused with the code, each time after the first.
    const said = logs.filter((l) => l.extensionId === "typed" && l.jobId === id).map((l) => l.message);
    expect(said).toEqual(['saved {"i":1}', "caught KILN_CHECKPOINT_INVALID", "caught KILN_CHECKPOINT_INVALID"]);
  });

  it("host.run fails the same way, even when the job catches the refusal", async () => {
    const { host } = await setup();
    await expect(host.run("typed", "save-catch", { states: [{ i: 1 }, { i: "x" }] })).rejects.toMatchObject({
      code: "KILN_CHECKPOINT_INVALID",
      message: expect.stringContaining('/i: must be integer (got "x")'),
    });
    await expect(host.run("typed", "save", { states: [{ i: 1 }, { i: 2 }] })).resolves.toBe(2);
  });

  it("good checkpoints are stored as before", async () => {
    const { host } = await setup();
    const done = await host.jobs.wait(await host.jobs.dispatch("typed", "save", { states: [{ i: 1 }, { i: 2 }] }));
    expect(done).toMatchObject({ state: "completed", result: 2, checkpoint: { i: 2 }, checkpointSeq: 2 });
  });
});

describe("schemas that accept anything, and older manifests", () => {
  const anything: unknown[] = [null, "text", 42, [1, "a"], { any: { thing: true } }];

  it("{} schemas accept any input, result and state", async () => {
    const dir = await extension({ id: "loose", schemas: {} });
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    await host.load(dir);
    for (const value of anything) {
      const done = await host.jobs.wait(await host.jobs.dispatch("loose", "echo", value));
      expect(done).toMatchObject({ state: "completed", result: value });
    }
    const saved = await host.jobs.wait(await host.jobs.dispatch("loose", "save", { states: ["a", 1, [2]] }));
    expect(saved).toMatchObject({ state: "completed", checkpoint: [2] });
  });

  it("a version 1 manifest still loads (as version 2, with {} schemas) and runs unchecked", async () => {
    const dir = await extension({ id: "old", manifestVersion: 1 });
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    await host.load(dir);
    const manifest = host.manifest("old");
    expect(manifest.manifestVersion).toBe(2);
    expect(manifest.jobs.find((j) => j.name === "echo")).toMatchObject({ input: {}, output: {}, state: {} });
    const done = await host.jobs.wait(await host.jobs.dispatch("old", "echo", { anything: "goes" }));
    expect(done).toMatchObject({ state: "completed", result: { anything: "goes" } });
    await expect(host.run("old", "give", { value: "not an object" })).resolves.toBe("not an object");
  });
});

describe("schemas that cannot be used refuse the load", () => {
  const cases: [string, FixtureSchemas, RegExp][] = [
    [
      "a keyword of the wrong type",
      { give: { output: { type: "nope" } } },
      /\/jobs\/1\/output\/type: the output schema of job "give" is not valid JSON Schema: must be one of \["array",.*\] \(got "nope"\)\n/,
    ],
    [
      "an unknown keyword (strict mode)",
      { save: { state: { type: "object", propertees: {} } } },
      /\/jobs\/2\/state: the state schema of job "save" does not compile: strict mode: unknown keyword: "propertees"/,
    ],
    [
      "an unknown format",
      { echo: { input: { type: "string", format: "colour" } } },
      /\/jobs\/0\/input: the input schema of job "echo" does not compile: unknown format "colour"/,
    ],
    [
      "a catastrophic pattern",
      { echo: { input: { type: "string", pattern: "^(a+)+$" } } },
      /\/jobs\/0\/input\/pattern: the input schema of job "echo" is refused: the pattern repeats a group that itself repeats/,
    ],
  ];

  it.each(cases)("%s: KILN_MANIFEST_INVALID naming the job", async (_, schemas, message) => {
    const dir = await extension({ id: "broken", schemas });
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    await expect(host.load(dir)).rejects.toMatchObject({ code: "KILN_MANIFEST_INVALID", message });
    expect(host.list()).toEqual([]);
    // The host is unharmed: other extensions load.
    await host.load(typedDir);
    expect(host.list().map((e) => e.id)).toEqual(["typed"]);
  });
});
