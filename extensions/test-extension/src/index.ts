import { type ExtensionContext, extension, type JobContext, job } from "@kiln/sdk";

/** Input of the `counter` job. */
export interface CounterInput {
  /** Count from 1 up to this number (0 to 10 000). */
  to: number;
}

/** The reference extension: the smallest thing that exercises the whole path. */
@extension({
  id: "test-extension",
  name: "Test Extension",
  version: "0.1.0",
  description: "Reference extension: a counter job that logs every step.",
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

  cleanup(ctx: ExtensionContext): void {
    ctx.log("Test Extension cleaned up");
  }
}
