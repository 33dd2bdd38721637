/**
 * Where a log call was made, found cheaply: the `callSite` native behind `__kiln.callSite` (what the
 * SDK runtime's `ctx.log` asks) and the console's output site (`kiln-output-site`, read through
 * `PluginInstance.outputSite` while the output is written). Both give a line of the bundle
 * (`function.mjs`), which the host maps with the module's source map.
 */
import { describe, expect, it } from "vitest";
import type { CallSite } from "../src/abi.js";
import { PluginInstance } from "../src/plugin.js";
import { emit, harness } from "./helpers.js";

/** The 1-based line of `source` on which `needle` first appears. */
const lineOf = (source: string, needle: string): number => {
  const index = source.indexOf(needle);
  if (index < 0) throw new Error(`${needle} is not in the source`);
  return source.slice(0, index).split("\n").length;
};

describe("__kiln.callSite(skip)", () => {
  const source = [
    emit.trimEnd(),
    "function where(skip) {",
    "  return __kiln.callSite(skip);",
    "}",
    "function outer(skip) {",
    "  return [0].map(() => where(skip))[0];",
    "}",
    "export function run() {",
    "  const sites = [where(0), where(1), outer(2), outer(3), where(99)];",
    '  sites.push(eval("where(1)"));',
    "  const loop = [];",
    "  for (let i = 0; i < 4; i++) loop.push(i % 2 ? where(1) : outer(3));",
    "  emit({ sites, loop });",
    "}",
  ].join("\n");

  it("answers the line of the call `skip` bytecode frames up, passing over native and non-bundle frames", async () => {
    const h = await harness();
    h.run(source, "run");
    const { sites, loop } = JSON.parse(h.stdout()) as { sites: number[]; loop: number[] };
    const callSite = lineOf(source, "__kiln.callSite(skip)");
    const inRun = lineOf(source, "const sites");
    expect(sites).toEqual([
      callSite, // where's own call of the native
      inRun, // where(1): run's call of where
      // outer(2): where, then the arrow; map is native and not counted: outer's call of map
      lineOf(source, "[0].map"),
      inRun, // outer(3): one more, run's call of outer
      0, // past the end of the stack
      // From eval'd code (not the bundle's file): passed over up to run's call of eval.
      lineOf(source, "sites.push(eval"),
    ]);
    // A cached site never answers for another one.
    const inLoop = lineOf(source, "loop.push");
    expect(loop).toEqual([inLoop, inLoop, inLoop, inLoop]);
  });
});

describe("the console's output site", () => {
  it("is the line of the console call and its method while the output is written, and only then", async () => {
    const seen: [fd: number, text: string, site: CallSite | undefined][] = [];
    let plugin: PluginInstance | undefined;
    const record = (fd: number) => (bytes: Uint8Array) =>
      seen.push([fd, Buffer.from(bytes).toString("utf8"), plugin?.outputSite()]);
    plugin = await PluginInstance.create({ onStdout: record(1), onStderr: record(2) });
    const source = [
      "function inner(items) {",
      '  console.log("one", items.length);',
      "  items.forEach((item) => console.warn(item));",
      '  Javy.IO.writeSync(1, new TextEncoder().encode("raw\\n"));',
      "  [1].forEach(console.info);",
      "}",
      "export function run() {",
      '  inner(["a"]);',
      "}",
    ].join("\n");
    plugin.invoke(plugin.compile(source), "run");
    expect(seen).toEqual([
      [1, "one 1\n", { line: 2, callee: "log" }],
      [2, "a\n", { line: 3, callee: "warn" }],
      [1, "raw\n", undefined],
      // Called by a native (forEach): the call in the bundle is forEach's, the method still `info`.
      [1, "1 0 [ 1 ]\n", { line: 5, callee: "info" }],
    ]);
    expect(plugin.outputSite()).toBeUndefined();
  });

  it("is the line of the module that runs, after another module ran in the same instance", async () => {
    // A module's top-level code is freed once evaluated: the next module's code may take its
    // addresses, so no site cached for the last module may answer for it.
    const lines: (number | undefined)[] = [];
    let plugin: PluginInstance | undefined;
    plugin = await PluginInstance.create({ onStdout: () => lines.push(plugin?.outputSite()?.line) });
    for (let blank = 0; blank < 6; blank++) {
      plugin.invoke(plugin.compile(`${"\n".repeat(blank)}console.log(${blank});\nexport function run() {}\n`), "run");
    }
    expect(lines).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("names the console methods as Node does", async () => {
    const h = await harness();
    h.run(
      `${emit}export function run() { emit(["log", "info", "warn", "error", "debug", "trace"].map((m) => console[m].name)); }`,
      "run",
    );
    expect(JSON.parse(h.stdout())).toEqual(["log", "info", "warn", "error", "debug", "trace"]);
  });
});
