/** An `ExtensionModel` built in a test, for the generators' unit tests (they read only the model). */
import { EXTENSION_MODEL_VERSION, type ExtensionModel, type JobModel } from "../src/model.js";

const location = { file: "src/index.ts", line: 1, column: 1 };

/** The model of extension `demo` with `jobs` (each `job-<i>` unless named), then `overrides`. */
export function testModel(overrides: Partial<ExtensionModel> = {}, jobs: Partial<JobModel>[] = []): ExtensionModel {
  return {
    modelVersion: EXTENSION_MODEL_VERSION,
    id: "demo",
    name: "Demo",
    version: "1.0.0",
    permissions: [],
    allowedHosts: [],
    limits: {},
    className: "Demo",
    entryFile: "src/index.ts",
    hooks: { init: false, cleanup: false },
    location,
    jobs: jobs.map((job, i) => ({
      name: `job-${i}`,
      methodName: `job${i}`,
      input: {},
      output: {},
      state: {},
      location,
      ...job,
    })),
    ...overrides,
  };
}
