import { type ExtensionContext, extension, type JobContext, job } from "@kiln/sdk";

/** Input of the `counter` job. */
export interface CounterInput {
  /** Count from 1 up to this number (0 to 10 000). */
  to: number;
}

/** Input of the `steps` job. */
export interface StepsInput {
  steps: number;
  /** Milliseconds each step takes, spent busy (not waiting) so that pause and kill have code to stop. */
  stepMs?: number;
}

/** What `steps` checkpoints. */
export interface StepsState {
  i?: number;
  sum?: number;
  /** The step each resume started from. */
  resumedAt?: number[];
}

/** Result of `steps`. */
export interface StepsResult {
  steps: number;
  sum: number;
  resumedAt: number[];
  attempt: number;
  items: number;
}

function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Spin rather than await a timer: the pause and kill tests need code that is running.
  }
}

/** The reference extension: the smallest thing that exercises the whole path. */
@extension({
  id: "test-extension",
  name: "Test Extension",
  version: "0.1.0",
  description: "Reference extension: a counter job that logs every step, and jobs that exercise the job system.",
  permissions: ["test.echo", "test.sleep"],
  limits: { concurrentJobs: 2 },
})
export class TestExtension {
  init(ctx: ExtensionContext): void {
    ctx.log("✓ Test Extension v0.1.0 initialized!");
  }

  @job({ name: "counter", description: "Counts from 1 to `to`, logging each step." })
  async counter(ctx: JobContext<CounterInput>): Promise<{ count: number }> {
    const to = ctx.input?.to;
    if (typeof to !== "number" || !Number.isInteger(to) || to < 0 || to > 10_000) {
      throw new RangeError(`input.to must be an integer from 0 to 10000, got ${JSON.stringify(to)}`);
    }
    let count = 0;
    for (let i = 1; i <= to; i++) {
      count = i;
      ctx.log(`step ${i}/${to}`);
    }
    return { count };
  }

  @job({ name: "steps", description: "Counts to `input.steps`, checkpointing after every step." })
  async steps(ctx: JobContext<StepsInput>, state: StepsState): Promise<StepsResult> {
    let i = state.i ?? 0;
    let sum = state.sum ?? 0;
    const resumedAt = state.resumedAt ?? [];
    if (ctx.attempt > 1) resumedAt.push(i);
    const total = ctx.input.steps;
    while (i < total) {
      busyWait(ctx.input.stepMs ?? 0);
      i++;
      sum += i;
      ctx.counters.items++;
      ctx.progress(i, total, `step ${i}`);
      await ctx.checkpoint({ i, sum, resumedAt });
    }
    return { steps: i, sum, resumedAt, attempt: ctx.attempt, items: ctx.counters.items };
  }

  @job({ name: "wait-op", description: "Blocks in the app's `test.sleep` operation for `input.ms`." })
  async waitOp(ctx: JobContext<{ ms: number }>): Promise<string> {
    await ctx.call("test.sleep", { ms: ctx.input.ms });
    return "woke";
  }

  @job({ name: "ping", description: "Calls the app operation `test.echo` `input.n` times (benchmarks)." })
  async ping(ctx: JobContext<{ n: number; interruptChecks?: boolean }>): Promise<{ calls: number }> {
    for (let i = 0; i < ctx.input.n; i++) {
      // `ctx.interrupted` is answered inside the worker: the baseline for a main-thread round trip.
      if (ctx.input.interruptChecks) void ctx.interrupted;
      else await ctx.call("test.echo", { i });
    }
    return { calls: ctx.input.n };
  }

  @job({ name: "spin", description: "Loops for ever without checking: only a kill stops it." })
  spin(): never {
    for (;;) {
      // Deliberately empty: a runaway extension.
    }
  }

  cleanup(ctx: ExtensionContext): void {
    ctx.log("Test Extension cleaned up");
  }
}
