import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkLimits, DEFAULT_LIMITS, LIMIT_NAMES, LIMITS, limitsSchema, resolveLimits } from "./limits.js";
import { checkManifest, manifestSchema, plainSchema } from "./manifest.js";

describe("resolveLimits", () => {
  it.each([
    [
      "defaults when nobody sets a limit",
      {},
      undefined,
      { memoryMiB: 256, jobTimeoutMs: undefined, concurrentJobs: 1 },
    ],
    ["the application's value replaces the default", { memoryMiB: 32 }, undefined, { memoryMiB: 32 }],
    ["a manifest lowers a limit", { memoryMiB: 32 }, { memoryMiB: 16 }, { memoryMiB: 16 }],
    ["a manifest never raises one", { memoryMiB: 32 }, { memoryMiB: 1024 }, { memoryMiB: 32 }],
    ["a manifest sets a limit the application left open", {}, { jobTimeoutMs: 500 }, { jobTimeoutMs: 500 }],
    ["concurrency is opt-in", { concurrentJobs: 4 }, undefined, { concurrentJobs: 1 }],
    [
      "asked concurrency is capped by the application",
      { concurrentJobs: 4 },
      { concurrentJobs: 8 },
      { concurrentJobs: 4 },
    ],
  ] as const)("%s", (_, app, manifest, expected) => {
    expect(resolveLimits(app, manifest)).toMatchObject(expected);
  });

  it("has a default for every limit that is not open-ended", () => {
    for (const name of LIMIT_NAMES) expect(DEFAULT_LIMITS[name]).toBe(LIMITS[name].default);
  });
});

describe("checkLimits", () => {
  it.each([
    [{ memoryMiB: 0 }, /memoryMiB: 0 is not a positive number/],
    [{ jobTimeoutMs: 1.5 }, /jobTimeoutMs: 1.5 is not a positive whole number/],
    [{ valueDepth: 100_000 }, /valueDepth: 100000 is above/],
    [{ memoryMb: 5 } as never, /memoryMb: not a limit/],
  ])("refuses %j", (limits, message) => {
    expect(checkLimits(limits).join("\n")).toMatch(message);
  });

  it("accepts fractions of a MiB and every default", () => {
    expect(checkLimits({ memoryMiB: 0.5 })).toEqual([]);
    expect(checkLimits(DEFAULT_LIMITS)).toEqual([]);
  });
});

describe("one table, every face", () => {
  it("the manifest schema's limits come from the table", () => {
    expect(plainSchema(manifestSchema).properties).toMatchObject({ limits: limitsSchema() });
    expect(Object.keys(manifestSchema.properties.limits.properties as object)).toEqual(LIMIT_NAMES);
  });

  it("a manifest can carry every limit at its maximum, and no more", () => {
    const base = JSON.parse(
      JSON.stringify({
        manifestVersion: 2,
        id: "x",
        name: "X",
        version: "1.0.0",
        permissions: [],
        jobs: [],
        hooks: {},
        module: { file: "extension.wasm", sha256: "0".repeat(64), plugin: "kiln-plugin-v1" },
        generator: "test",
      }),
    );
    const max = Object.fromEntries(LIMIT_NAMES.map((n) => [n, LIMITS[n].manifestMaximum]));
    expect(checkManifest({ ...base, limits: max })).toEqual([]);
    for (const name of LIMIT_NAMES) {
      expect(checkManifest({ ...base, limits: { [name]: LIMITS[name].manifestMaximum + 1 } })).not.toEqual([]);
    }
  });

  it("the docs' Limits page lists every limit", () => {
    const page = readFileSync(new URL("../../../docs/limits.md", import.meta.url), "utf8");
    for (const name of LIMIT_NAMES) expect(page).toContain(`| \`${name}\``);
  });
});
