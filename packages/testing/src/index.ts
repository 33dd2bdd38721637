/**
 * `@kiln/testing`: test a Kiln extension against the real thing. `testExtension` builds it from
 * its sources (once per change: the build is cached across test files and runs), loads it in a
 * real `ExtensionHost` with fake application operations, and runs jobs to their end, or pauses,
 * cancels or crashes them on the way, recording what each did: logs, progress, checkpoints and
 * operation calls.
 *
 * @packageDocumentation
 */
export type { BuildCacheOptions, BuildInfo } from "./build-cache.js";
export {
  CheckpointNotReachedError,
  CrashHostExitedError,
  ExtensionBuildError,
  type ExtensionBuildErrorCode,
  TestTimeoutError,
} from "./errors.js";
export {
  type CancelOptions,
  type CrashAndResumeOptions,
  DEFAULT_TEST_TIMEOUT_MS,
  type PauseAndResumeOptions,
  type TestExtension,
  type TestExtensionOptions,
  type TestHostOptions,
  type TestRun,
  type TestRunOptions,
  testExtension,
} from "./harness.js";
export type {
  CallError,
  FakeHandler,
  FakeOperation,
  FakeOperationDefinition,
  OperationCall,
} from "./operations.js";
