/**
 * The limits an extension may declare are the limits table (`LIMITS` in `@kiln/contracts`), which
 * the host enforces, in three places that must not drift apart: the SDK's `@extension` options
 * type, the analyzer's checks and the manifest schema. The type-level assertions below fail `tsc`
 * (the package's typecheck) when the SDK's type and the contract's `ExtensionLimits` differ; the
 * tests check the rest at run time.
 */
import { createRequire } from "node:module";
import path from "node:path";
import {
  checkManifest,
  type ExtensionLimits,
  LIMIT_NAMES,
  LIMITS,
  type LimitName,
  MANIFEST_PLUGIN_NAMESPACE,
  MANIFEST_VERSION,
} from "@kiln/contracts";
import type { ExtensionOptions } from "@kiln/sdk";
import { Project } from "ts-morph";
import { describe, expect, it } from "vitest";
import { generateManifest } from "../src/generate.js";
import type { ExtensionModel } from "../src/model.js";
import { analyzeSource } from "./analyze-source.js";

// ---------------------------------------------------------------------------------------------
// Compile time: the SDK's `limits` option is exactly the host's `ExtensionLimits`.

/** `true` only when `A` and `B` are the same type (the compiler's identity, not assignability). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when given `true`. */
type Assert<T extends true> = T;

type SdkLimits = NonNullable<ExtensionOptions["limits"]>;

/** Same names: a limit added to (or removed from) one side only fails here. */
export type SdkLimitNamesAreTheHosts = Assert<Equal<keyof SdkLimits, keyof ExtensionLimits>>;
/** Same shape too: every one optional, readonly, a number. */
export type SdkLimitsAreTheHosts = Assert<Equal<SdkLimits, ExtensionLimits>>;
/** The codegen model carries the same limits. */
export type ModelLimitsAreTheHosts = Assert<Equal<keyof ExtensionModel["limits"], LimitName>>;

// ---------------------------------------------------------------------------------------------
// Run time

/** An extension declaring `limits`, each value written as given. */
function withLimits(values: Readonly<Record<string, string>>): string {
  const entries = Object.entries(values).map(([name, value]) => `    ${name}: ${value},`);
  return [
    'import { extension } from "@kiln/sdk";',
    '@extension({ id: "x", name: "X", version: "1.0.0", limits: {',
    ...entries,
    "} })",
    "export class X {}",
    "",
  ].join("\n");
}

/** Every limit set to what `value` gives for its row of the table. */
function allLimits(value: (name: LimitName) => number): Record<string, string> {
  return Object.fromEntries(LIMIT_NAMES.map((name) => [name, String(value(name))]));
}

const module = { file: "extension.wasm", sha256: "0".repeat(64) };

/** Whether the host accepts a manifest carrying `limits`. */
function hostAccepts(limits: Record<string, number>): boolean {
  const manifest = {
    manifestVersion: MANIFEST_VERSION,
    id: "x",
    name: "X",
    version: "1.0.0",
    permissions: [],
    limits,
    jobs: [],
    hooks: {},
    module: { ...module, plugin: MANIFEST_PLUGIN_NAMESPACE },
    generator: "test",
  };
  return checkManifest(manifest).length === 0;
}

describe("the SDK's limits option", () => {
  it("documents every limit of the host's table, and only those", () => {
    // The SDK's option is contracts' `ExtensionLimits` itself (the type assertions above): its
    // doc comments are what authors read in their editor.
    const require = createRequire(import.meta.url);
    const contractsRoot = path.dirname(require.resolve("@kiln/contracts/package.json"));
    const project = new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: { noLib: true } });
    const file = project.addSourceFileAtPath(path.join(contractsRoot, "src/limits.ts"));
    const members = file.getInterfaceOrThrow("ExtensionLimits").getProperties();
    expect(members.map((m) => m.getName()).sort()).toEqual([...LIMIT_NAMES].sort());
    for (const member of members) {
      expect(
        member.getJsDocs().map((d) => d.getDescription().trim()),
        member.getName(),
      ).not.toEqual([]);
    }
  });
});

describe("limits against the host's table", () => {
  it("accepts every limit at its maximum, and the host accepts the manifest", () => {
    const result = analyzeSource(withLimits(allLimits((name) => LIMITS[name].manifestMaximum)));
    expect(result.diagnostics).toEqual([]);
    const model = result.model as ExtensionModel;
    expect(Object.keys(model.limits)).toEqual(LIMIT_NAMES);
    const manifest = generateManifest(model, module);
    expect(manifest.limits).toEqual(Object.fromEntries(LIMIT_NAMES.map((n) => [n, LIMITS[n].manifestMaximum])));
    expect(checkManifest(manifest)).toEqual([]);
  });

  it("accepts the smallest value of each", () => {
    const smallest = (name: LimitName) => (LIMITS[name].integer ? 1 : 0.25);
    const result = analyzeSource(withLimits(allLimits(smallest)));
    expect(result.diagnostics).toEqual([]);
    expect(result.model && checkManifest(generateManifest(result.model, module))).toEqual([]);
  });

  it.each([
    { case: "above the maximum", value: (name: LimitName) => LIMITS[name].manifestMaximum + 1 },
    { case: "zero", value: () => 0 },
    { case: "negative", value: () => -2 },
  ])("refuses every limit $case, as the host does", ({ value }) => {
    const result = analyzeSource(withLimits(allLimits(value)));
    expect(result.model).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(LIMIT_NAMES.map(() => "KILN_INVALID_LIMIT"));
    for (const [i, name] of LIMIT_NAMES.entries()) {
      const d = result.diagnostics[i];
      expect(d?.message).toContain(`limits.${name} is `);
      // The fix states the range, from the table.
      const max = LIMITS[name].manifestMaximum;
      const range = LIMITS[name].integer ? `a whole number from 1 to ${max}` : `a number above 0 and at most ${max}`;
      expect(d?.fix?.replaceAll("_", "")).toContain(range);
      expect(hostAccepts({ [name]: value(name) }), name).toBe(false);
    }
  });

  it("refuses a fraction exactly where the table wants a whole number", () => {
    const result = analyzeSource(withLimits(allLimits(() => 2.5)));
    const refused = result.diagnostics.map((d) => /limits\.(\w+) must be a whole number/.exec(d.message)?.[1]);
    const wholes = LIMIT_NAMES.filter((name) => LIMITS[name].integer);
    expect(refused).toEqual(wholes);
    expect(result.diagnostics.map((d) => d.fix)).toEqual(
      wholes.map(() => expect.stringMatching(/^Use 2 or 3 \(a whole number from 1 to [\d_]+\)\.$/)),
    );
    for (const name of LIMIT_NAMES) expect(hostAccepts({ [name]: 2.5 }), name).toBe(!LIMITS[name].integer);
  });

  it("suggests the limit an unknown key was meant to be", () => {
    const result = analyzeSource(withLimits({ memoryMb: "64", jobTimeout: "1000", checkpointsPerSec: "5" }));
    expect(result.diagnostics.map((d) => [d.code, d.fix])).toEqual([
      ["KILN_UNKNOWN_OPTION", 'Did you mean "memoryMiB"?'],
      ["KILN_UNKNOWN_OPTION", 'Did you mean "jobTimeoutMs"?'],
      ["KILN_UNKNOWN_OPTION", 'Did you mean "checkpointsPerSecond"?'],
    ]);
  });

  it("reads numeric separators and signed literals", () => {
    const result = analyzeSource(withLimits({ payloadBytes: "1_048_576", valueDepth: "+64", memoryMiB: "(0.5)" }));
    expect(result.diagnostics).toEqual([]);
    expect(result.model?.limits).toEqual({ memoryMiB: 0.5, payloadBytes: 1_048_576, valueDepth: 64 });
  });

  it("writes only the limits that are set, and none when none are", () => {
    const none = analyzeSource(withLimits({})).model as ExtensionModel;
    expect(none.limits).toEqual({});
    expect(generateManifest(none, module)).not.toHaveProperty("limits");
    const some = analyzeSource(withLimits({ logBytes: "4096", concurrentJobs: "3" })).model as ExtensionModel;
    expect(generateManifest(some, module).limits).toEqual({ concurrentJobs: 3, logBytes: 4096 });
  });
});
