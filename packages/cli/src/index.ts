/**
 * `@kiln/cli`: the `kiln` command. Use the executable; {@link main} runs it in-process.
 *
 * @packageDocumentation
 */

export type {
  InspectedJob,
  InspectedKind,
  InspectedManifest,
  InspectedModule,
  InspectedSection,
  InspectProblem,
  InspectReport,
} from "./inspect/report.js";
export { main } from "./main.js";
