/**
 * `@kiln/sdk`: everything an extension author imports.
 *
 * @packageDocumentation
 */
export { extension, job, type ExtensionOptions, type JobOptions } from "./decorators.js";
export {
  HostCallError,
  JobInterrupted,
  type ExtensionContext,
  type JobCounters,
  type JobContext,
  type LogLevel,
  type OperationInput,
  type OperationOutput,
  type Operations,
} from "./context.js";
