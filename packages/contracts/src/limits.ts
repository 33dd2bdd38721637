/**
 * The sandbox's limits, defined once: what each one bounds, the host's defaults, and how a
 * manifest's own (lower) values combine with the host's ceiling. The manifest schema, the host
 * options, the worker and the docs' "Limits" page all read this table.
 *
 * @module
 */

/**
 * Limits on one extension. The application sets them for the whole host (`ExtensionHost`'s
 * `limits`) and per load (`host.load(dir, { limits })`); an extension may ask for lower values in
 * `@extension({ limits })`, never higher: the effective limit is the smallest of the three.
 * `undefined` in the host options means "the default" ({@link DEFAULT_LIMITS}); `0` is never valid.
 */
export interface ExtensionLimits {
  /**
   * Jobs of this extension running at once. The application's cap defaults to half the host's
   * `maxConcurrentJobs` (2 of the default 4), at least 1, so that no one extension can take every
   * slot; an extension that does not ask for more in its manifest runs one job at a time.
   */
  readonly concurrentJobs?: number;
  /** QuickJS heap per instance, in MiB. Past it, allocations throw a catchable `InternalError: out of memory`. Default 256. */
  readonly memoryMiB?: number;
  /** Wall-clock time one run of a job may take, in ms (a resumed job starts a new run). Default: none. */
  readonly jobTimeoutMs?: number;
  /** Wall-clock time for the module's top-level code plus `init`, in ms. Default 10,000. */
  readonly startTimeoutMs?: number;
  /** Wall-clock time for `cleanup`, in ms. Default 5,000. */
  readonly cleanupTimeoutMs?: number;
  /**
   * Deterministic CPU budget of one job run, in interpreter steps (QuickJS function calls and loop
   * iterations, counted in blocks of 10,000). The same job and input stop at the same point on a
   * slow and a fast machine. Default: none.
   */
  readonly instructions?: number;
  /** Size of one host call's payload (operation input, log line, progress, result), in bytes of JSON. Default 8 MiB. */
  readonly payloadBytes?: number;
  /** Nesting depth of any value crossing the wall (input, payload, result, state). Default 256. */
  readonly valueDepth?: number;
  /** Size of a job's result, in bytes of JSON. Default 16 MiB. */
  readonly resultBytes?: number;
  /** Size of one checkpoint's state, in bytes of JSON. Default 4 MiB. */
  readonly checkpointBytes?: number;
  /** Checkpoints per second a job may write (a token bucket with this burst). Default 100. */
  readonly checkpointsPerSecond?: number;
  /** Bytes of log text one job run (or one `init`/`cleanup`) may write; later lines are dropped. Default 16 MiB. */
  readonly logBytes?: number;
}

/** The name of every limit. */
export type LimitName = keyof ExtensionLimits;

/** Limits with every value decided: what an extension actually runs under. */
export type ResolvedLimits = { readonly [K in LimitName]-?: number | undefined } & {
  readonly concurrentJobs: number;
  readonly memoryMiB: number;
  readonly startTimeoutMs: number;
  readonly cleanupTimeoutMs: number;
  readonly payloadBytes: number;
  readonly valueDepth: number;
  readonly resultBytes: number;
  readonly checkpointBytes: number;
  readonly checkpointsPerSecond: number;
  readonly logBytes: number;
};

const MiB = 1024 * 1024;

/**
 * The longest operation name there can be. A host call naming a longer one is refused before any
 * lookup (`KILN_OPERATION_NAME_TOO_LONG`): it costs the host nothing, however long it is.
 */
export const MAX_OPERATION_NAME_LENGTH = 128;

/**
 * Asynchronous host calls one job may have in flight at once (`await Promise.all` of many
 * `ctx.call`s); a call past it is refused with `KILN_TOO_MANY_CALLS`, so no job can flood the
 * application with concurrent operations.
 */
export const MAX_CALLS_IN_FLIGHT = 256;

/** One row of the limits table: the default, and the largest value anyone may set. */
export interface LimitSpec {
  /** Host default; `undefined` means unlimited unless the application or the extension sets one. */
  readonly default: number | undefined;
  /** The highest value a manifest may carry (the schema's `maximum`); hosts may go higher. */
  readonly manifestMaximum: number;
  /** Whether the value is a whole number (all are, but `memoryMiB` may be a fraction). */
  readonly integer: boolean;
  /** One line for the docs and the schema. */
  readonly description: string;
  /** What the value counts, for showing it (`5,000 ms`, `1 MiB`); `count` for a plain number. */
  readonly unit: LimitUnit;
}

/** The unit of a limit's value. */
export type LimitUnit = "count" | "ms" | "MiB" | "bytes" | "per second";

/** Every limit, its default and range. The manifest schema's `limits` is generated from this. */
export const LIMITS: { readonly [K in LimitName]-?: LimitSpec } = {
  concurrentJobs: {
    // The host fills in half its `maxConcurrentJobs` (at least 1) when the application sets none.
    default: 2,
    manifestMaximum: 64,
    integer: true,
    description: "Jobs of this extension running at once; more wait in the queue.",
    unit: "count",
  },
  memoryMiB: {
    default: 256,
    manifestMaximum: 4096,
    integer: false,
    description: "QuickJS heap per instance, in MiB; past it allocations throw `out of memory`.",
    unit: "MiB",
  },
  jobTimeoutMs: {
    default: undefined,
    manifestMaximum: 7 * 24 * 3600 * 1000,
    integer: true,
    description: "Wall-clock time of one run of a job, in ms.",
    unit: "ms",
  },
  startTimeoutMs: {
    default: 10_000,
    manifestMaximum: 600_000,
    integer: true,
    description: "Wall-clock time of the top-level code plus `init`, in ms.",
    unit: "ms",
  },
  cleanupTimeoutMs: {
    default: 5_000,
    manifestMaximum: 600_000,
    integer: true,
    description: "Wall-clock time of `cleanup`, in ms.",
    unit: "ms",
  },
  instructions: {
    default: undefined,
    manifestMaximum: Number.MAX_SAFE_INTEGER,
    integer: true,
    description: "Interpreter steps (function calls and loop iterations) of one job run.",
    unit: "count",
  },
  payloadBytes: {
    default: 8 * MiB,
    manifestMaximum: 1024 * MiB,
    integer: true,
    description: "Bytes of JSON in one host call's payload.",
    unit: "bytes",
  },
  valueDepth: {
    default: 256,
    manifestMaximum: 4096,
    integer: true,
    description: "Nesting depth of any value crossing the sandbox wall.",
    unit: "count",
  },
  resultBytes: {
    default: 16 * MiB,
    manifestMaximum: 1024 * MiB,
    integer: true,
    description: "Bytes of JSON in a job's result.",
    unit: "bytes",
  },
  checkpointBytes: {
    default: 4 * MiB,
    manifestMaximum: 1024 * MiB,
    integer: true,
    description: "Bytes of JSON in one checkpoint's state.",
    unit: "bytes",
  },
  checkpointsPerSecond: {
    default: 100,
    manifestMaximum: 100_000,
    integer: true,
    description: "Checkpoints a job may write per second (burst of the same size).",
    unit: "per second",
  },
  logBytes: {
    default: 16 * MiB,
    manifestMaximum: 1024 * MiB,
    integer: true,
    description: "Bytes of log text per job run (or per `init`/`cleanup`); later lines are dropped.",
    unit: "bytes",
  },
};

/** The host's defaults, as an {@link ExtensionLimits}. */
export const DEFAULT_LIMITS: ExtensionLimits = Object.fromEntries(
  Object.entries(LIMITS)
    .filter(([, spec]) => spec.default !== undefined)
    .map(([name, spec]) => [name, spec.default]),
) as ExtensionLimits;

/** The names of every limit, in table order. */
export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

/**
 * The limits an extension runs under. `app` is what the application set (the host's `limits`,
 * overridden by the load's); every limit it leaves unset takes its default. The manifest may then
 * lower any limit, never raise one. `concurrentJobs` is the exception in one way: a manifest that
 * does not mention it runs one job at a time (its module state is shared by the jobs of an
 * instance, so concurrency is opt-in), and one that does gets at most the application's cap.
 */
export function resolveLimits(app: ExtensionLimits, manifest: ExtensionLimits | undefined): ResolvedLimits {
  const out: Record<string, number | undefined> = {};
  for (const name of LIMIT_NAMES) {
    const ceiling = app[name] ?? LIMITS[name].default;
    const asked = name === "concurrentJobs" ? (manifest?.[name] ?? 1) : manifest?.[name];
    out[name] = asked === undefined ? ceiling : ceiling === undefined ? asked : Math.min(ceiling, asked);
  }
  return out as ResolvedLimits;
}

/**
 * Checks limits given by the application; returns a message per bad value (`name: why`).
 * Manifests are checked by their schema instead.
 */
export function checkLimits(limits: ExtensionLimits): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(limits)) {
    const spec = LIMITS[name as LimitName];
    if (!spec) {
      problems.push(`${name}: not a limit (known: ${LIMIT_NAMES.join(", ")})`);
      continue;
    }
    if (value === undefined) continue;
    if (
      typeof value !== "number" ||
      !(value > 0) ||
      !Number.isFinite(value) ||
      (spec.integer && !Number.isInteger(value))
    )
      problems.push(`${name}: ${String(value)} is not a positive ${spec.integer ? "whole " : ""}number`);
    // The store and the host's own serialisation are built for values up to this depth.
    else if (name === "valueDepth" && value > spec.manifestMaximum)
      problems.push(`${name}: ${value} is above the most the host supports, ${spec.manifestMaximum}`);
  }
  return problems;
}

/** JSON Schema of a manifest's `limits`, generated from {@link LIMITS}. */
export function limitsSchema(): Record<string, unknown> {
  return {
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(
      LIMIT_NAMES.map((name) => {
        const spec = LIMITS[name];
        return [
          name,
          {
            type: spec.integer ? "integer" : "number",
            exclusiveMinimum: 0,
            ...(spec.integer ? { minimum: 1 } : {}),
            maximum: spec.manifestMaximum,
            description: spec.description,
          },
        ];
      }),
    ),
  };
}
