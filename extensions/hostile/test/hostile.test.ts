/**
 * The hostile corpus: one real extension per case (`cases/<name>`), built by `buildExtension`, each
 * loaded into one long-lived host beside a well-behaved `neighbour`. For every row the host must
 * live, answer with the row's typed code, keep serving the neighbour, leave the neighbour's jobs and
 * checkpoints as they were, and leave no worker of the case running.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { cp, mkdtemp, open, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { ExtensionHost, ExtensionLimits, JobRecord, LoadedExtension, RunOptions } from "@kiln/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildCases,
  codeOf,
  deep,
  idleCpu,
  type LogSink,
  MiB,
  openHost,
  sleep,
  threadCount,
  threadsSettle,
  withTimeout,
} from "./harness.js";

/** What a row's scenario gets. */
interface Scenario {
  readonly host: ExtensionHost;
  readonly logs: LogSink;
  /** The case's extension id, `hostile-<case>`. */
  readonly id: string;
  /** The case's built folder; tamper only with a {@link Scenario.copy}. */
  readonly dist: string;
  /** Loads the case (or `dir`) with the row's limits, granting every permission it asks for. */
  load(dir?: string): Promise<LoadedExtension>;
  /**
   * A fresh copy of the case's built folder, its manifest's id made unique (`<id>-<n>`) so that a
   * load the host never finishes cannot hold the id of the next row.
   */
  copy(): Promise<string>;
  /** Dispatches a job of the case and waits (bounded) until it ends. */
  job(name: string, input?: unknown, ms?: number): Promise<JobRecord>;
  /** `host.run` of a job of the case, bounded. */
  run(name: string, input?: unknown, options?: RunOptions, ms?: number): Promise<unknown>;
  /** Waits (bounded) until a job of the case satisfies `predicate`. */
  until(jobId: string, predicate: (r: JobRecord) => boolean, ms?: number): Promise<JobRecord>;
  /** Runs `fn` after the row, whatever happened. */
  defer(fn: () => unknown): void;
}

/** One row of the table. */
interface Row {
  /** The case folder. */
  readonly case: string;
  /** What the extension does to the host. */
  readonly does: string;
  /** The typed code the host must answer with (`completed` where the job must simply succeed). */
  readonly expect: string;
  /** Limits the application sets when it loads the case. */
  readonly limits?: ExtensionLimits;
  /** The scenario loads the case itself (load-time failures, races, tampered files). */
  readonly manualLoad?: boolean;
  readonly timeoutMs?: number;
  run(t: Scenario): Promise<void>;
}

/** A failed job's record: its state and code. */
const failedWith = (code: string) => ({ state: "failed", error: expect.objectContaining({ code }) });

const ROWS: Row[] = [
  // --- Runaways, in every phase -----------------------------------------------------------------
  {
    case: "top-level-loop",
    does: "for(;;){} in module top-level code",
    expect: "KILN_START_TIMEOUT",
    manualLoad: true,
    limits: { startTimeoutMs: 1000 },
    async run(t) {
      const started = Date.now();
      expect(await codeOf(withTimeout(t.load(), 15_000, "load"))).toBe("KILN_START_TIMEOUT");
      expect(Date.now() - started).toBeLessThan(10_000);
      // The id is free again: a second attempt fails the same way, not KILN_ALREADY_LOADED.
      expect(await codeOf(withTimeout(t.load(), 15_000, "second load"))).toBe("KILN_START_TIMEOUT");
    },
  },
  {
    case: "init-loop",
    does: "for(;;){} in init",
    expect: "KILN_START_TIMEOUT",
    manualLoad: true,
    limits: { startTimeoutMs: 1000 },
    async run(t) {
      const started = Date.now();
      expect(await codeOf(withTimeout(t.load(), 15_000, "load"))).toBe("KILN_START_TIMEOUT");
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await codeOf(withTimeout(t.load(), 15_000, "second load"))).toBe("KILN_START_TIMEOUT");
    },
  },
  {
    case: "cleanup-loop",
    does: "for(;;){} in cleanup",
    expect: "KILN_CLEANUP_TIMEOUT",
    limits: { cleanupTimeoutMs: 500 },
    async run(t) {
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
      const started = Date.now();
      await withTimeout(t.host.unload(t.id), 15_000, "unload");
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(t.host.list().map((e) => e.id)).not.toContain(t.id);
      expect(t.logs.mentioning("KILN_CLEANUP_TIMEOUT", t.id).length).toBeGreaterThanOrEqual(1);
    },
  },
  {
    case: "job-loop",
    does: "for(;;){} in a job, past jobTimeoutMs",
    expect: "KILN_JOB_TIMEOUT",
    limits: { jobTimeoutMs: 500 },
    async run(t) {
      await expect(t.run("ok")).resolves.toEqual({ ok: true, runs: 1 });
      const started = Date.now();
      expect(await t.job("spin")).toMatchObject(failedWith("KILN_JOB_TIMEOUT"));
      expect(Date.now() - started).toBeLessThan(5000);
      // Stopped through the interrupt handler: the same instance (module state kept) serves on.
      await expect(t.run("ok")).resolves.toEqual({ ok: true, runs: 2 });
    },
  },
  {
    case: "job-loop",
    does: "for(;;){} in a job run by host.run with timeoutMs",
    expect: "KILN_JOB_TIMEOUT",
    async run(t) {
      const started = Date.now();
      expect(await codeOf(t.run("spin", null, { timeoutMs: 300 }))).toBe("KILN_JOB_TIMEOUT");
      expect(Date.now() - started).toBeLessThan(5000);
      await expect(t.run("ok")).resolves.toEqual({ ok: true, runs: 1 });
    },
  },
  {
    case: "job-loop",
    does: "for(;;){} in a job run by host.run, its signal aborted",
    expect: "KILN_CANCELLED",
    async run(t) {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 300);
      const started = Date.now();
      expect(await codeOf(t.run("spin", null, { signal: abort.signal }))).toBe("KILN_CANCELLED");
      expect(Date.now() - started).toBeLessThan(5000);
      await expect(t.run("ok")).resolves.toEqual({ ok: true, runs: 1 });
    },
  },
  {
    case: "catch-all-loop",
    does: "for(;;){ try { for(;;){} } catch {} }",
    expect: "KILN_JOB_TIMEOUT",
    limits: { jobTimeoutMs: 500 },
    async run(t) {
      expect(await t.job("spin")).toMatchObject(failedWith("KILN_JOB_TIMEOUT"));
      await expect(t.run("ok")).resolves.toMatchObject({ ok: true });
    },
  },
  {
    case: "finally-loop",
    does: "while(true){} inside a finally",
    expect: "KILN_JOB_TIMEOUT",
    limits: { jobTimeoutMs: 500 },
    async run(t) {
      expect(await t.job("spin")).toMatchObject(failedWith("KILN_JOB_TIMEOUT"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "async-loop",
    does: "an async job that loops after an await and a host call",
    expect: "KILN_JOB_TIMEOUT",
    limits: { jobTimeoutMs: 500 },
    async run(t) {
      expect(await t.job("spin")).toMatchObject(failedWith("KILN_JOB_TIMEOUT"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "instruction-budget",
    does: "counts for ever under an instruction budget",
    expect: "KILN_INSTRUCTION_LIMIT",
    limits: { instructions: 2_000_000 },
    async run(t) {
      // The instance's first job also instantiates the extension class: warm it up first, so that
      // both counted runs take the same path.
      await expect(t.run("report")).resolves.toEqual({ steps: 0 });
      expect(await t.job("count")).toMatchObject(failedWith("KILN_INSTRUCTION_LIMIT"));
      const first = (await t.run("report")) as { steps: number };
      expect(await t.job("count")).toMatchObject(failedWith("KILN_INSTRUCTION_LIMIT"));
      const second = (await t.run("report")) as { steps: number };
      // Deterministic: the same job stops at the same step.
      expect(first.steps).toBeGreaterThan(0);
      expect(second.steps).toBe(first.steps);
      await expect(t.run("bounded", { n: 1000 })).resolves.toEqual({ n: 1000 });
    },
  },
  {
    case: "recursion-in-catch",
    does: "recursion that answers every stack overflow by recursing again (exponential)",
    expect: "KILN_JOB_TIMEOUT",
    limits: { jobTimeoutMs: 1000 },
    async run(t) {
      expect(await t.job("spin")).toMatchObject(failedWith("KILN_JOB_TIMEOUT"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },

  // --- Memory and stack -------------------------------------------------------------------------
  {
    case: "array-bomb",
    does: "grows an array of strings for ever",
    expect: "KILN_OUT_OF_MEMORY",
    limits: { memoryMiB: 32 },
    async run(t) {
      expect(await t.job("bomb", null, 30_000)).toMatchObject(failedWith("KILN_OUT_OF_MEMORY"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "repeat-bomb",
    does: '"x".repeat(2**29), uncaught',
    expect: "KILN_OUT_OF_MEMORY",
    async run(t) {
      expect(await codeOf(t.run("bomb"))).toBe("KILN_OUT_OF_MEMORY");
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "repeat-bomb",
    does: '"x".repeat(2**29), caught inside the job',
    expect: "InternalError: out of memory (caught)",
    async run(t) {
      await expect(t.run("caught")).resolves.toEqual({ caught: "InternalError: out of memory", after: 1000 });
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "recursion",
    does: "unbounded recursion",
    expect: "KILN_EXTENSION_FAILED",
    async run(t) {
      const record = await t.job("plain");
      expect(record).toMatchObject(failedWith("KILN_EXTENSION_FAILED"));
      expect(record.error?.message).toMatch(/stack overflow|call stack/i);
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "recursion",
    does: "unbounded recursion inside a catch block",
    expect: "KILN_EXTENSION_FAILED",
    async run(t) {
      const record = await t.job("in-catch");
      expect(record).toMatchObject(failedWith("KILN_EXTENSION_FAILED"));
      expect(record.error?.message).toMatch(/stack overflow|call stack/i);
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },

  // --- Deep and huge values, in each direction ----------------------------------------------------
  {
    case: "deep-result",
    does: "returns a 2,500-deep array",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      expect(await t.job("deep-2500")).toMatchObject(failedWith("KILN_VALUE_TOO_DEEP"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "deep-result",
    does: "returns a 100,000-deep array",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      expect(await t.job("deep-100k")).toMatchObject(failedWith("KILN_VALUE_TOO_DEEP"));
      expect(await codeOf(t.run("deep-100k"))).toBe("KILN_VALUE_TOO_DEEP");
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "echo",
    does: "is given an input 3,000 deep (dispatch and host.run)",
    expect: "KILN_INVALID_INPUT",
    async run(t) {
      const input = deep(3000);
      expect(await codeOf(t.host.jobs.dispatch(t.id, "echo", input))).toBe("KILN_INVALID_INPUT");
      expect(await codeOf(t.run("echo", input))).toBe("KILN_INVALID_INPUT");
      expect(await t.host.jobs.list({ extensionId: t.id })).toEqual([]);
      await expect(t.run("echo", deep(10))).resolves.toEqual(deep(10));
    },
  },
  {
    case: "echo",
    does: "is given NaN, functions, Dates, Maps, BigInts, cycles (dispatch and host.run)",
    expect: "KILN_INVALID_INPUT",
    async run(t) {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      const inputs: unknown[] = [
        Number.NaN,
        { n: Number.NaN },
        [1, Number.NaN],
        () => 1,
        { f: () => 1 },
        new Date(0),
        { when: new Date(0) },
        new Map([["a", 1]]),
        { m: new Map() },
        10n,
        cycle,
      ];
      for (const input of inputs) {
        expect(await codeOf(t.host.jobs.dispatch(t.id, "echo", input)), String(input)).toBe("KILN_INVALID_INPUT");
        expect(await codeOf(t.run("echo", input)), String(input)).toBe("KILN_INVALID_INPUT");
      }
      expect(await t.host.jobs.list({ extensionId: t.id })).toEqual([]);
    },
  },
  {
    case: "echo",
    does: "is given numbers from 1e19 to 1e21 (20- and 21-digit integers in JSON)",
    expect: "completed, every number intact",
    async run(t) {
      // Found by the fuzzer: these change value on their way into QuickJS.
      const input = [30031961859790164000, -53713753867644170000, 123456789012345680000, 2 ** 64, 9.999999999999999e20];
      await expect(t.run("echo", input)).resolves.toEqual(input);
      expect(await t.job("echo", input)).toMatchObject({ state: "completed", result: input });
    },
  },
  {
    case: "deep-checkpoint",
    does: "checkpoints a state 3,000 deep",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      const record = await t.job("deep");
      expect(record).toMatchObject({ state: "completed", result: { code: "KILN_VALUE_TOO_DEEP" }, checkpointSeq: 0 });
    },
  },
  {
    case: "deep-checkpoint",
    does: "sends a raw $checkpoint whose state is 3,000 deep",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      const record = await t.job("raw-deep");
      expect(record).toMatchObject({ state: "completed", result: { code: "KILN_VALUE_TOO_DEEP" }, checkpointSeq: 0 });
    },
  },
  {
    case: "deep-checkpoint",
    does: "checkpoints a 20 MB state (payloads allowed up to 64 MiB)",
    expect: "KILN_CHECKPOINT_TOO_LARGE",
    limits: { payloadBytes: 64 * MiB },
    async run(t) {
      const record = await t.job("huge");
      expect(record).toMatchObject({
        state: "completed",
        result: { code: "KILN_CHECKPOINT_TOO_LARGE" },
        checkpointSeq: 0,
      });
    },
  },
  {
    case: "deep-call",
    does: "sends a 3,000-deep payload to an app operation (handler: async (x) => x)",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      expect(await t.job("app-op")).toMatchObject({ state: "completed", result: { code: "KILN_VALUE_TOO_DEEP" } });
    },
  },
  {
    case: "deep-call",
    does: "sends a 3,000-deep value to kv.set",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      expect(await t.job("kv")).toMatchObject({ state: "completed", result: { code: "KILN_VALUE_TOO_DEEP" } });
      expect(await t.host.store.kv.get(t.id, "deep")).toBeUndefined();
    },
  },
  {
    case: "deep-call",
    does: "sends a raw 3,000-deep payload to an app operation",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      expect(await t.job("raw-app-op")).toMatchObject({ state: "completed", result: { code: "KILN_VALUE_TOO_DEEP" } });
    },
  },
  {
    case: "deep-call",
    does: "sends a raw kv.set whose value is 3,000 deep",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      expect(await t.job("raw-kv")).toMatchObject({ state: "completed", result: { code: "KILN_VALUE_TOO_DEEP" } });
      expect(await t.host.store.kv.get(t.id, "deep")).toBeUndefined();
    },
  },
  {
    case: "huge-result",
    does: "returns 50 MB (payloads allowed up to 128 MiB)",
    expect: "KILN_RESULT_TOO_LARGE",
    limits: { payloadBytes: 128 * MiB },
    async run(t) {
      expect(await t.job("huge", null, 30_000)).toMatchObject(failedWith("KILN_RESULT_TOO_LARGE"));
      expect(await codeOf(t.run("huge", null, {}, 30_000))).toBe("KILN_RESULT_TOO_LARGE");
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "long-op-name",
    does: "calls an operation with a 4 MB name (SDK and raw)",
    expect: "KILN_OPERATION_NAME_TOO_LONG",
    async run(t) {
      expect(await t.job("call")).toMatchObject({
        state: "completed",
        result: { sdk: "KILN_OPERATION_NAME_TOO_LONG", raw: "KILN_OPERATION_NAME_TOO_LONG" },
      });
      // The application is told, without 4 MB of name in its logs.
      for (const entry of t.logs.entries.filter((e) => e.extensionId === t.id))
        expect(entry.length).toBeLessThan(100_000);
    },
  },
  {
    case: "huge-payload",
    does: "sends 9 MiB (over the 8 MiB default) to an app operation, $log and progress",
    expect: "KILN_PAYLOAD_TOO_LARGE",
    async run(t) {
      expect(await t.job("call", null, 30_000)).toMatchObject({
        state: "completed",
        result: { op: "KILN_PAYLOAD_TOO_LARGE", log: "KILN_PAYLOAD_TOO_LARGE", progress: "KILN_PAYLOAD_TOO_LARGE" },
      });
    },
  },
  {
    case: "kv-huge",
    does: "stores a 2 MB value with kv.set",
    expect: "KILN_VALUE_TOO_LARGE",
    async run(t) {
      expect(await t.job("set")).toMatchObject({
        state: "completed",
        result: { code: "KILN_VALUE_TOO_LARGE", stored: null },
      });
    },
  },

  // --- Floods -----------------------------------------------------------------------------------
  {
    case: "log-flood-bytes",
    does: "writes 100 MB to stdout without a newline",
    expect: "KILN_LOG_LIMIT",
    timeoutMs: 120_000,
    async run(t) {
      const record = await t.job("flood", null, 60_000);
      expect(record).toMatchObject({ state: "completed", result: { written: 100 * MiB } });
      expect(t.logs.mentioning("KILN_LOG_LIMIT", t.id, record.id)).toHaveLength(1);
      // Later output was dropped: what reached the application stays near the 16 MiB limit.
      expect(t.logs.bytes.get(t.id) ?? 0).toBeLessThanOrEqual(16 * MiB + 64 * 1024);
    },
  },
  {
    case: "log-flood-lines",
    does: "logs 1,000,000 lines (logBytes 1 MiB)",
    expect: "KILN_LOG_LIMIT",
    limits: { logBytes: MiB },
    timeoutMs: 120_000,
    async run(t) {
      const record = await t.job("flood", null, 90_000);
      expect(record).toMatchObject({ state: "completed", result: { lines: 1_000_000 } });
      expect(t.logs.mentioning("KILN_LOG_LIMIT", t.id, record.id)).toHaveLength(1);
      expect(t.logs.bytes.get(t.id) ?? 0).toBeLessThanOrEqual(MiB + 64 * 1024);
      expect(t.logs.lines.get(t.id) ?? 0).toBeLessThan(100_000);
    },
  },
  {
    case: "progress-flood",
    does: "reports progress 100,000 times",
    expect: "completed",
    timeoutMs: 120_000,
    async run(t) {
      let events = 0;
      const count = (e: { extensionId: string }) => {
        if (e.extensionId === t.id) events++;
      };
      t.defer(t.host.jobs.on("progress", count));
      const record = await t.job("flood", null, 90_000);
      // Nothing lost: the last report is the one stored.
      expect(record).toMatchObject({
        state: "completed",
        result: { reports: 100_000 },
        progress: { done: 100_000, total: 100_000, message: "report 100000" },
      });
      expect(events).toBeGreaterThan(0);
      expect(events).toBeLessThanOrEqual(100_000);
    },
  },
  {
    case: "checkpoint-flood",
    does: "checkpoints 3,000 times in a loop",
    expect: "KILN_CHECKPOINT_RATE_LIMITED",
    timeoutMs: 120_000,
    async run(t) {
      const record = await t.job("flood", null, 90_000);
      expect(record.state).toBe("completed");
      const result = record.result as { accepted: number; last: number; codes: Record<string, number> };
      expect(result.codes.KILN_CHECKPOINT_RATE_LIMITED ?? 0).toBeGreaterThan(0);
      expect(result.accepted + (result.codes.KILN_CHECKPOINT_RATE_LIMITED ?? 0)).toBe(3000);
      // Every accepted checkpoint is durable, and the last one is what the store holds.
      expect(record.checkpointSeq).toBe(result.accepted);
      expect(record.checkpoint).toEqual({ i: result.last });
    },
  },
  {
    case: "call-flood",
    does: "makes 100,000 host calls under the application's rate limit of 1,000/s",
    expect: "KILN_RATE_LIMITED",
    timeoutMs: 150_000,
    manualLoad: true,
    async run(t) {
      // The default limit is above what a tight loop reaches; an application sets a lower one.
      await t.host.load(t.dist, { permissions: "*", rateLimit: { callsPerSecond: 1000, burst: 1000 } });
      const record = await t.job("flood", null, 120_000);
      expect(record.state).toBe("completed");
      const { codes } = record.result as { codes: Record<string, number> };
      expect(codes.KILN_RATE_LIMITED ?? 0).toBeGreaterThan(0);
      expect(codes.OK ?? 0).toBeGreaterThanOrEqual(1000);
      expect(Object.values(codes).reduce((a, b) => a + b, 0)).toBe(100_000);
      for (const code of Object.keys(codes)) expect(code).toMatch(/^(OK|KILN_[A-Z_]+)$/);
    },
  },

  // --- Raw calls that bypass the SDK ------------------------------------------------------------
  {
    case: "raw-complete",
    does: "forges $complete with a payload that is not JSON",
    expect: "KILN_INVALID_PAYLOAD",
    async run(t) {
      expectForgedComplete(await t.job("garbage"), "KILN_INVALID_PAYLOAD");
    },
  },
  {
    case: "raw-complete",
    does: "forges $complete with a value 3,000 deep",
    expect: "KILN_VALUE_TOO_DEEP",
    async run(t) {
      expectForgedComplete(await t.job("deep"), "KILN_VALUE_TOO_DEEP");
    },
  },
  {
    case: "raw-complete",
    does: "forges $complete with a 2 MiB value (resultBytes 1 MiB)",
    expect: "KILN_RESULT_TOO_LARGE",
    limits: { resultBytes: MiB },
    async run(t) {
      expectForgedComplete(await t.job("huge"), "KILN_RESULT_TOO_LARGE");
    },
  },
  {
    case: "raw-complete",
    does: "calls $complete twice, then returns",
    expect: "one result, typed replies",
    async run(t) {
      const record = await t.job("twice");
      expectTerminalAndTyped(record);
      if (record.state === "completed") {
        const result = record.result as { replies?: unknown[] } | string;
        if (typeof result === "string") expect(["first", "second"]).toContain(result);
        else {
          expect(result).toMatchObject({ value: "third" });
          for (const reply of result.replies ?? []) expectTypedReply(reply);
        }
      }
    },
  },
  {
    case: "raw-complete",
    does: "forges $complete with payloads of the wrong shape (null, 42, [], …)",
    expect: "typed replies",
    async run(t) {
      const record = await t.job("shapes");
      expectTerminalAndTyped(record);
      const result = record.result as { replies?: unknown[] } | null;
      if (record.state === "completed" && result && typeof result === "object" && Array.isArray(result.replies)) {
        for (const reply of result.replies) expectTypedReply(reply);
      }
    },
  },
  {
    case: "raw-progress",
    does: "reports $progress with non-numbers",
    expect: "KILN_INVALID_PAYLOAD",
    async run(t) {
      const seen: unknown[] = [];
      const watch = (e: { extensionId: string; progress: { done: unknown } }) => {
        if (e.extensionId === t.id) seen.push(e.progress.done);
      };
      t.defer(t.host.jobs.on("progress", watch));
      const record = await t.job("forge");
      expect(record).toMatchObject({ state: "completed", result: { codes: Array(5).fill("KILN_INVALID_PAYLOAD") } });
      // The application never sees a progress that is not a number.
      for (const done of seen) expect(typeof done).toBe("number");
      expect(typeof record.progress.done).toBe("number");
    },
  },
  {
    case: "raw-checkpoint-init",
    does: "sends $checkpoint from init, where no job runs",
    expect: "typed reply, nothing stored",
    async run(t) {
      const { reply } = (await t.run("report")) as { reply: unknown };
      expectTypedReply(reply);
      expect(await t.host.jobs.list({ extensionId: t.id })).toEqual([]);
    },
  },
  {
    case: "raw-non-json",
    does: "sends non-JSON payloads to every runtime op and an app op; calls __kiln.call with odd arguments",
    expect: "KILN_INVALID_PAYLOAD",
    async run(t) {
      const record = await t.job("forge");
      expect(record.state).toBe("completed");
      const { codes, odd } = record.result as { codes: Record<string, string>; odd: string[] };
      expect(codes).toEqual({
        $log: "KILN_INVALID_PAYLOAD",
        $progress: "KILN_INVALID_PAYLOAD",
        $checkpoint: "KILN_INVALID_PAYLOAD",
        $complete: "KILN_INVALID_PAYLOAD",
        "hostile.echo": "KILN_INVALID_PAYLOAD",
        "kv.get": "KILN_INVALID_PAYLOAD",
      });
      for (const code of odd) expect(code).toMatch(/^(OK|KILN_[A-Z_]+|[A-Za-z]*Error)$/);
    },
  },

  // --- Racing loads -----------------------------------------------------------------------------
  {
    case: "race-load",
    does: "is loaded twice at once from the same folder",
    expect: "KILN_ALREADY_LOADED",
    manualLoad: true,
    async run(t) {
      const threads = threadCount();
      const outcomes = await withTimeout(Promise.allSettled([t.load(), t.load()]), 30_000, "two loads");
      const fulfilled = outcomes.filter((o) => o.status === "fulfilled");
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(await codeOf(Promise.reject(rejected[0]?.reason))).toBe("KILN_ALREADY_LOADED");
      expect(t.host.list().filter((e) => e.id === t.id)).toHaveLength(1);
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
      await withTimeout(t.host.unload(t.id), 15_000, "unload");
      // No instance of the losing load is left behind.
      expect(await threadsSettle(threads)).toBeLessThanOrEqual(threads ?? 0);
      await t.load();
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },

  // --- Tampered dist files ----------------------------------------------------------------------
  // A FIFO nobody writes (which blocked a libuv thread for ever) and a link to /dev/zero (which
  // grew the host by gigabytes), in place of each of the two dist files.
  ...(
    [
      ["manifest.json", "KILN_MANIFEST_INVALID"],
      ["extension.wasm", "KILN_MODULE_INVALID"],
    ] as const
  ).flatMap(([file, code]) =>
    (["a FIFO nobody writes", "a symbolic link to /dev/zero"] as const).map(
      (replacement): Row => ({
        case: "plain",
        does: `${file} replaced by ${replacement}`,
        expect: code,
        manualLoad: true,
        async run(t) {
          const dir = await t.copy();
          const path = join(dir, file);
          await rm(path);
          if (replacement === "a FIFO nobody writes") {
            execFileSync("mkfifo", [path]);
            t.defer(() => unblockFifo(path));
          } else await symlink("/dev/zero", path);
          expect(await codeOf(withTimeout(t.load(dir), 5000, "load"))).toBe(code);
        },
      }),
    ),
  ),
  {
    case: "plain",
    does: "extension.wasm truncated (manifest hash left as built)",
    expect: "KILN_MODULE_HASH_MISMATCH",
    manualLoad: true,
    async run(t) {
      const dir = await t.copy();
      await truncate(join(dir, "extension.wasm"), 100);
      expect(await codeOf(withTimeout(t.load(dir), 5000, "load"))).toBe("KILN_MODULE_HASH_MISMATCH");
    },
  },
  {
    case: "plain",
    does: "extension.wasm truncated, the manifest's sha256 rewritten to match",
    expect: "KILN_MODULE_INVALID",
    manualLoad: true,
    async run(t) {
      const dir = await t.copy();
      await truncate(join(dir, "extension.wasm"), 100);
      await rehash(dir);
      expect(await codeOf(withTimeout(t.load(dir), 5000, "load"))).toBe("KILN_MODULE_INVALID");
    },
  },
  {
    case: "plain",
    does: "extension.wasm bytes flipped (magic and version), sha256 rewritten to match",
    expect: "KILN_MODULE_INVALID",
    manualLoad: true,
    async run(t) {
      const dir = await t.copy();
      const file = join(dir, "extension.wasm");
      const bytes = await readFile(file);
      for (const i of [0, 1, 4]) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
      await writeFile(file, bytes);
      await rehash(dir);
      expect(await codeOf(withTimeout(t.load(dir), 5000, "load"))).toBe("KILN_MODULE_INVALID");
    },
  },
  {
    case: "plain",
    does: "manifest with huge strings (10 MB name, 50 MB description, 10 MB job name)",
    expect: "KILN_MANIFEST_INVALID",
    manualLoad: true,
    async run(t) {
      const dir = await t.copy();
      const file = join(dir, "manifest.json");
      const manifest = JSON.parse(await readFile(file, "utf8"));
      manifest.name = "n".repeat(10_000_000);
      manifest.description = "d".repeat(50_000_000);
      manifest.jobs[0].name = "j".repeat(10_000_000);
      await writeFile(file, JSON.stringify(manifest));
      let message = "";
      const code = await codeOf(
        withTimeout(t.load(dir), 10_000, "load").catch((error: Error) => {
          message = error.message;
          throw error;
        }),
      );
      expect(code).toBe("KILN_MANIFEST_INVALID");
      // The user is told what is wrong, not handed the strings back.
      expect(message.length).toBeLessThan(64 * 1024);
    },
  },

  // --- Cancel -----------------------------------------------------------------------------------
  {
    case: "job-loop",
    does: "a spinning job is cancelled",
    expect: "KILN_CANCELLED",
    async run(t) {
      await expect(t.run("ok")).resolves.toEqual({ ok: true, runs: 1 });
      const id = await t.host.jobs.dispatch(t.id, "spin");
      await t.until(id, (r) => r.state === "running");
      await sleep(100);
      const started = Date.now();
      await t.host.jobs.cancel(id);
      const record = await withTimeout(t.host.jobs.wait(id), 10_000, "cancelled job");
      expect(record).toMatchObject({ state: "cancelled", error: { code: "KILN_CANCELLED" } });
      // Stopped by the interrupt handler, not by killing the worker after the 5 s grace.
      expect(Date.now() - started).toBeLessThan(2500);
      await expect(t.run("ok")).resolves.toEqual({ ok: true, runs: 2 });
    },
  },
  {
    case: "cancel-caught",
    does: "a job catches the cancellation and returns normally",
    expect: "KILN_CANCELLED",
    async run(t) {
      const id = await t.host.jobs.dispatch(t.id, "escape");
      await t.until(id, (r) => r.checkpointSeq >= 1);
      await t.host.jobs.cancel(id);
      const record = await withTimeout(t.host.jobs.wait(id), 10_000, "cancelled job");
      expect(record).toMatchObject({ state: "cancelled", error: { code: "KILN_CANCELLED" }, result: null });
    },
  },

  // --- Fairness ---------------------------------------------------------------------------------
  {
    case: "fairness",
    does: "dispatches 8 never-ending jobs (limits.concurrentJobs 8)",
    expect: "neighbour completes; KILN_CANCELLED",
    timeoutMs: 120_000,
    async run(t) {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await t.host.jobs.dispatch(t.id, "forever"));
      await t.until(ids[0] ?? "", (r) => r.state === "running");
      await sleep(200);
      const running = await t.host.jobs.list({ extensionId: t.id, states: ["running"] });
      expect(running.length).toBeGreaterThanOrEqual(1);
      expect(running.length).toBeLessThanOrEqual(2);
      // Dispatched after the 8: it must not wait for them.
      const neighbour = await t.host.jobs.dispatch("neighbour", "steps", { steps: 10 });
      await expect(withTimeout(t.host.jobs.wait(neighbour), 30_000, "neighbour job")).resolves.toMatchObject({
        state: "completed",
        result: { steps: 10, sum: 55 },
      });
      await Promise.all(ids.map((id) => t.host.jobs.cancel(id)));
      const records = await withTimeout(Promise.all(ids.map((id) => t.host.jobs.wait(id))), 30_000, "cancels");
      for (const record of records)
        expect(record).toMatchObject({ state: "cancelled", error: { code: "KILN_CANCELLED" } });
    },
  },

  // --- Errors that are hard to describe ----------------------------------------------------------
  {
    case: "throw-weird",
    does: "throws an object whose getters and toJSON throw",
    expect: "KILN_EXTENSION_FAILED",
    async run(t) {
      expect(await t.job("getter")).toMatchObject(failedWith("KILN_EXTENSION_FAILED"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "throw-weird",
    does: "throws an object whose toJSON and toString never return",
    expect: "KILN_JOB_TIMEOUT",
    limits: { jobTimeoutMs: 1000 },
    async run(t) {
      expect(await t.job("looping-to-string")).toMatchObject(failedWith("KILN_JOB_TIMEOUT"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
  {
    case: "throw-weird",
    does: "returns a promise that never settles",
    expect: "KILN_EXTENSION_FAILED",
    async run(t) {
      expect(await t.job("never-settles")).toMatchObject(failedWith("KILN_EXTENSION_FAILED"));
      await expect(t.run("ok")).resolves.toEqual({ ok: true });
    },
  },
];

/** A reply as an extension receives it: `{ ok: true, … }` or `{ ok: false, error: { code: KILN_…, message } }`. */
function expectTypedReply(reply: unknown): void {
  expect(reply).toBeTypeOf("object");
  const r = reply as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  expect(typeof r.ok).toBe("boolean");
  if (r.ok === false) {
    expect(r.error?.code).toMatch(/^KILN_[A-Z0-9_]+$/);
    expect(typeof r.error?.message).toBe("string");
  }
}

/**
 * A job that forged `$complete`: either the forgery was refused (the reply, which the job returned,
 * has `code`) and the job completed normally, or the host failed the job with `code` itself.
 */
function expectForgedComplete(record: JobRecord, code: string): void {
  if (record.state === "completed") expect(record.result).toMatchObject({ reply: { ok: false, error: { code } } });
  else expect(record).toMatchObject(failedWith(code));
}

/** The job ended, and if not completed, with a typed code. */
function expectTerminalAndTyped(record: JobRecord): void {
  expect(["completed", "failed"]).toContain(record.state);
  if (record.state === "failed") expect(record.error?.code).toMatch(/^KILN_[A-Z0-9_]+$/);
}

/** Opens a FIFO for writing and closes it, so that a reader blocked on it sees end-of-file. */
async function unblockFifo(path: string): Promise<void> {
  try {
    const handle = await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    await handle.close();
  } catch {
    // No reader is blocked on it (ENXIO): nothing to unblock.
  }
}

/** Rewrites the manifest's module sha256 to match the module as it now is. */
async function rehash(dir: string): Promise<void> {
  const file = join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(file, "utf8"));
  manifest.module.sha256 = createHash("sha256")
    .update(await readFile(join(dir, "extension.wasm")))
    .digest("hex");
  await writeFile(file, JSON.stringify(manifest));
}

const CASES = [...new Set(["neighbour", ...ROWS.map((r) => r.case)])];

describe("hostile extensions", () => {
  let work: string;
  let dists: Map<string, string>;
  let host: ExtensionHost;
  let logs: LogSink;
  let copyCount = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "kiln-hostile-"));
    dists = await buildCases(CASES, join(work, "dist"));
    ({ host, logs } = openHost(join(work, "jobs.db")));
    await host.load(dists.get("neighbour") ?? "");
    // Both neighbour instances started: thread counts are stable from here on.
    await Promise.all([host.run("neighbour", "ping"), host.run("neighbour", "ping")]);
  });

  afterAll(async () => {
    await withTimeout(host?.close() ?? Promise.resolve(), 30_000, "host.close").catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  it("has at least 30 hostile rows, each with an expectation", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(30);
    expect(CASES.length - 1).toBeGreaterThanOrEqual(25);
  });

  /** The neighbour's job records, once none of them is running (a row that failed early may leave one). */
  const neighbourRecords = async (): Promise<JobRecord[]> => {
    const until = Date.now() + 30_000;
    for (;;) {
      const all = await host.jobs.list({ extensionId: "neighbour" });
      if (all.every((r) => ["completed", "failed", "cancelled"].includes(r.state)) || Date.now() > until) return all;
      await sleep(20);
    }
  };

  for (const row of ROWS) {
    it(
      `${row.case}: ${row.does} → ${row.expect}`,
      async () => {
        const threads = threadCount();
        // The pool may refill to its size during the case (after a worker was terminated, say), and
        // the neighbour's instances may move into such a worker: those threads are the pool's.
        const poolRoom = Math.max(0, availableParallelism() - host.stats().workers);
        const id = `hostile-${row.case}`;
        // A neighbour job before the case, finished; its record (and every earlier one) must not change.
        const before = await host.jobs.dispatch("neighbour", "steps", { steps: 5 });
        await withTimeout(host.jobs.wait(before), 20_000, "neighbour job before the case");
        const snapshot = await neighbourRecords();
        expect(snapshot.find((r) => r.id === before)).toMatchObject({ state: "completed", checkpointSeq: 5 });
        // …and one that runs while the case does.
        const during = await host.jobs.dispatch("neighbour", "steps", { steps: 20, stepMs: 2 });

        const deferred: (() => unknown)[] = [];
        const dist = dists.get(row.case) ?? "";
        const t: Scenario = {
          host,
          logs,
          id,
          dist,
          load: (dir = dist) => host.load(dir, { permissions: "*", ...(row.limits ? { limits: row.limits } : {}) }),
          copy: async () => {
            const n = ++copyCount;
            const dir = join(work, "copies", `${row.case}-${n}`);
            await cp(dist, dir, { recursive: true });
            const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
            await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, id: `${id}-${n}` }));
            return dir;
          },
          job: async (name, input = null, ms = 20_000) => {
            const jobId = await host.jobs.dispatch(id, name, input);
            return withTimeout(host.jobs.wait(jobId), ms, `job ${name}`);
          },
          run: (name, input = null, options = {}, ms = 20_000) =>
            withTimeout(host.run(id, name, input, options), ms, `host.run ${name}`),
          until: async (jobId, predicate, ms = 10_000) => {
            const until = Date.now() + ms;
            for (;;) {
              const record = await host.jobs.get(jobId);
              if (record && predicate(record)) return record;
              if (Date.now() > until) throw new Error(`job ${jobId} never reached the expected state`);
              await sleep(10);
            }
          },
          defer: (fn) => deferred.push(fn),
        };
        // The scenario's own failure is kept and thrown last: the checks on the neighbour and on
        // what the case left behind run (softly) whatever the scenario found.
        let failure: unknown;
        try {
          if (!row.manualLoad) await withTimeout(t.load(), 20_000, "load");
          await row.run(t);
        } catch (error) {
          failure = error;
        }
        try {
          for (const fn of deferred.reverse()) await fn();
          for (const loaded of host.list())
            if (loaded.id !== "neighbour") await withTimeout(host.unload(loaded.id), 20_000, `unload ${loaded.id}`);
        } catch (error) {
          failure ??= error;
        }

        // The neighbour is served, its running job finished right, and nothing of it changed.
        await expect
          .soft(withTimeout(host.run("neighbour", "ping"), 10_000, "neighbour ping"))
          .resolves.toEqual({ pong: true });
        await expect
          .soft(withTimeout(host.jobs.wait(during), 30_000, "neighbour job"))
          .resolves.toMatchObject({ state: "completed", result: { steps: 20, sum: 210 }, checkpointSeq: 20 });
        const known = new Set(snapshot.map((r) => r.id));
        expect.soft((await neighbourRecords()).filter((r) => known.has(r.id))).toEqual(snapshot);
        // Nothing of the case is left: not loaded, no instance, no thread beyond what the pool may
        // keep (its size), no CPU spent.
        expect.soft(host.list().map((e) => e.id)).toEqual(["neighbour"]);
        const settled = threads === undefined ? undefined : threads + poolRoom;
        expect.soft(await threadsSettle(settled)).toBeLessThanOrEqual(settled ?? 0);
        expect.soft(host.stats().instances).toBeLessThanOrEqual(host.list()[0]?.limits.concurrentJobs ?? 0);
        expect.soft(host.stats().workers).toBeLessThanOrEqual(availableParallelism());
        expect.soft(await idleCpu()).toBeLessThan(0.5);
        if (failure !== undefined) throw failure;
      },
      row.timeoutMs ?? 60_000,
    );
  }
});
