/**
 * How model names become Wasm export names and JS export names. Javy maps a kebab-case Wasm export
 * to the camelCase JS export it calls; Kiln follows the same rule, so modules stay readable by
 * Javy's tooling.
 */
import { jsExportName } from "@kiln/javy-plugin";
import type { ExtensionModel, JobModel } from "./model.js";

/** Wasm export of a job: `job-<name>`, so no job can shadow `_start` or a hook. */
export function jobExportName(job: Pick<JobModel, "name">): string {
  return `job-${job.name}`;
}

/** Wasm exports of the lifecycle hooks. */
export const HOOK_EXPORTS = { init: "kiln-init", cleanup: "kiln-cleanup" } as const;

/** Every named export the module has, in a stable order: hooks first, then jobs as declared. */
export function moduleExports(model: ExtensionModel): { wasmName: string; jsName: string }[] {
  const wasm = [
    ...(model.hooks.init ? [HOOK_EXPORTS.init] : []),
    ...(model.hooks.cleanup ? [HOOK_EXPORTS.cleanup] : []),
    ...model.jobs.map(jobExportName),
  ];
  return wasm.map((wasmName) => ({ wasmName, jsName: jsExportName(wasmName) }));
}
