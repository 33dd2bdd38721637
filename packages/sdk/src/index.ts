/**
 * `@kiln/sdk`: everything an extension author imports.
 *
 * @packageDocumentation
 */

export type { ExtensionLimits } from "@kiln/contracts";
export {
  type ExtensionContext,
  type FileType,
  HostCallError,
  type JobContext,
  type JobCounters,
  JobInterrupted,
  type LogLevel,
  type OperationInput,
  type OperationOutput,
  type Operations,
} from "./context.js";
export {
  type ExtensionClass,
  type ExtensionOptions,
  extension,
  type JobOptions,
  type JobParameters,
  job,
} from "./decorators.js";
