import { extension, type JobContext, job } from "@kiln/sdk";

/** Input of the `hello` job. */
export interface HelloInput {
  /** Who to greet. */
  name: string;
}

/** What the `count` job checkpoints: how far it got, so a resumed run goes on from there. */
export interface CountState {
  done?: number;
  sum?: number;
}

/**
 * The extension: one class, decorated with `@extension`. Everything in the decorators must be
 * written inline as literals: `kiln build` reads them without running this code.
 */
@extension({
  id: "{{id}}",
  name: "{{name}}",
  version: "0.1.0",
  description: "{{description}}",
})
export class Greeter {
  /** A job: a method decorated with `@job`. Its input and result types become JSON Schemas in the manifest. */
  @job({ name: "hello", description: "Greets `input.name`." })
  async hello(ctx: JobContext<HelloInput>): Promise<{ greeting: string }> {
    ctx.progress(0, 1, "composing the greeting");
    const greeting = `Hello, ${ctx.input.name}!`;
    ctx.log(greeting);
    ctx.progress(1, 1, "done");
    return { greeting };
  }

  /**
   * A durable job: after each number it checkpoints its state, which the host stores. If the job is
   * paused, or the application stops, it resumes with that state as its second argument.
   */
  @job({ name: "count", description: "Adds the numbers from 1 to `input.to`, checkpointing after each." })
  async count(ctx: JobContext<{ to: number }>, state: CountState): Promise<{ sum: number }> {
    let done = state.done ?? 0;
    let sum = state.sum ?? 0;
    if (done > 0) ctx.log(`resuming after ${done}`);
    while (done < ctx.input.to) {
      done++;
      sum += done;
      ctx.counters.items++;
      ctx.progress(done, ctx.input.to);
      // Resolves once the state is stored; rejects (ending the job paused or cancelled) when the
      // application asked to pause or cancel it: let that propagate.
      await ctx.checkpoint({ done, sum });
    }
    return { sum };
  }
}
