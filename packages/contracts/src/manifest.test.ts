import { describe, expect, it } from "vitest";
import { checkManifest, isManifest, MANIFEST_VERSION, type Manifest, upgradeManifest } from "./manifest.js";

const tagInput = {
  type: "object",
  properties: { folder: { type: "string", pattern: "^[a-z]+$" } },
  required: ["folder"],
  additionalProperties: false,
};

const valid: Manifest = {
  manifestVersion: 2,
  id: "photo-tagger",
  name: "Photo Tagger",
  version: "1.2.0-beta.1+build.5",
  description: "Tags photos.",
  permissions: ["files.read", "acme.photos.write"],
  allowedHosts: ["api.example.com", "localhost:8080"],
  limits: { concurrentJobs: 2 },
  jobs: [
    {
      name: "tag-folder",
      export: "job-tag-folder",
      description: "Tag a folder.",
      input: tagInput,
      output: { type: "integer" },
      state: { $ref: "#/$defs/S", $defs: { S: { type: "object" } } },
    },
    { name: "count", export: "job-count", input: {}, output: { type: "null" }, state: {} },
  ],
  hooks: { init: "kiln-init", cleanup: "kiln-cleanup" },
  module: { file: "extension.wasm", sha256: "a".repeat(64), plugin: "kiln-plugin-v1" },
  generator: "@kiln/codegen 0.1.0",
};

describe("checkManifest", () => {
  it("accepts a complete manifest, and a minimal one", () => {
    expect(checkManifest(valid)).toEqual([]);
    const { description, allowedHosts, limits, ...minimal } = valid;
    void [description, allowedHosts, limits];
    expect(checkManifest({ ...minimal, jobs: [], hooks: {} })).toEqual([]);
    expect(isManifest(valid)).toBe(true);
  });

  const invalid: [string, (m: Manifest) => unknown, string, RegExp][] = [
    ["not an object", () => "manifest", "", /must be object/],
    ["a future manifest version", (m) => ({ ...m, manifestVersion: 3 }), "/manifestVersion", /must be 2/],
    ["a job without schemas", (m) => ({ ...m, jobs: [{ name: "a", export: "job-a" }] }), "/jobs/0", /"input"/],
    [
      "a job schema that is not an object",
      (m) => ({ ...m, jobs: [{ ...m.jobs[1], input: "string" }] }),
      "/jobs/0/input",
      /must be object/,
    ],
    [
      "a catastrophic pattern in a job schema",
      (m) => ({ ...m, jobs: [{ ...m.jobs[1], input: { type: "string", pattern: "^(a+)+$" } }] }),
      "/jobs/0/input/pattern",
      /exponential time/,
    ],
    [
      "a bad pattern under a property whose name holds a colon and a slash",
      (m) => ({
        ...m,
        jobs: [{ ...m.jobs[1], state: { type: "object", properties: { "at: a/b": { pattern: "(x*)*" } } } }],
      }),
      "/jobs/0/state/properties/at: a~1b/pattern",
      /exponential time/,
    ],
    [
      "a reference out of the job schema",
      (m) => ({ ...m, jobs: [{ ...m.jobs[1], output: { $ref: "https://example.com/s.json" } }] }),
      "/jobs/0/output/$ref",
      /own \$defs/,
    ],
    ["a missing field", (m) => ({ ...m, generator: undefined }), "", /missing required property "generator"/],
    ["an unknown field", (m) => ({ ...m, entry: "x" }), "", /unknown property "entry"/],
    ["an id that is not kebab-case", (m) => ({ ...m, id: "Photo_Tagger" }), "/id", /must match pattern/],
    ["a version that is not semver", (m) => ({ ...m, version: "v1.2" }), "/version", /must match pattern/],
    ["a permission without a dot", (m) => ({ ...m, permissions: ["files"] }), "/permissions/0", /must match pattern/],
    ["a repeated permission", (m) => ({ ...m, permissions: ["kv.read", "kv.read"] }), "/permissions", /duplicate/],
    [
      "a host with a scheme",
      (m) => ({ ...m, allowedHosts: ["https://x.com"] }),
      "/allowedHosts/0",
      /must match pattern/,
    ],
    ["a concurrency of 0", (m) => ({ ...m, limits: { concurrentJobs: 0 } }), "/limits/concurrentJobs", /must be >= 1/],
    [
      "two jobs with one name",
      (m) => ({ ...m, jobs: [m.jobs[0], m.jobs[0]] }),
      "/jobs/1/name",
      /duplicate job name "tag-folder"/,
    ],
    [
      "a module path with a folder",
      (m) => ({ ...m, module: { ...m.module, file: "../x.wasm" } }),
      "/module/file",
      /must match pattern/,
    ],
    ["a short hash", (m) => ({ ...m, module: { ...m.module, sha256: "abc" } }), "/module/sha256", /must match pattern/],
    [
      "another plugin",
      (m) => ({ ...m, module: { ...m.module, plugin: "javy-default-plugin-v3" } }),
      "/module/plugin",
      /must be "kiln-plugin-v1"/,
    ],
  ];
  it.each(invalid)("refuses %s, saying where", (_, change, path, message) => {
    const issues = checkManifest(change(structuredClone(valid)));
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it("reports every problem at once", () => {
    const issues = checkManifest({ ...valid, id: "X", version: "1", permissions: ["nope"] });
    expect(issues.map((i) => i.path).sort()).toEqual(["/id", "/permissions/0", "/version"]);
  });
});

describe("upgradeManifest", () => {
  it("reads a version 1 manifest as version 2, every job schema accepting any value", () => {
    const v1 = {
      ...valid,
      manifestVersion: 1,
      jobs: [{ name: "count", export: "job-count", description: "Counts." }],
    };
    const upgraded = upgradeManifest(v1);
    expect(checkManifest(upgraded)).toEqual([]);
    expect(upgraded).toMatchObject({
      manifestVersion: MANIFEST_VERSION,
      jobs: [{ name: "count", export: "job-count", description: "Counts.", input: {}, output: {}, state: {} }],
    });
    expect(v1.manifestVersion).toBe(1);
  });

  it("leaves anything else to checkManifest", () => {
    expect(upgradeManifest(valid)).toBe(valid);
    expect(upgradeManifest("x")).toBe("x");
    expect(checkManifest(upgradeManifest({ manifestVersion: 7 }))).toContainEqual({
      path: "/manifestVersion",
      message: "must be 2",
    });
  });
});
