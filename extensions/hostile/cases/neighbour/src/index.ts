import { extension, type JobContext, job } from "@kiln/sdk";
import { busyWait } from "../../_lib/hostile.js";

/** The well-behaved extension that runs beside every hostile case; nothing they do may reach it. */
@extension({
  id: "neighbour",
  name: "Neighbour",
  version: "1.0.0",
  description: "Answers ping and counts in checkpointed steps, whatever its neighbours do.",
  limits: { concurrentJobs: 2 },
})
export class Neighbour {
  @job({ name: "ping" })
  ping(): { pong: true } {
    return { pong: true };
  }

  @job({ name: "steps" })
  async steps(
    ctx: JobContext<{ steps: number; stepMs?: number }>,
    state: { i?: number; sum?: number },
  ): Promise<{ steps: number; sum: number }> {
    let i = state.i ?? 0;
    let sum = state.sum ?? 0;
    while (i < ctx.input.steps) {
      busyWait(ctx.input.stepMs ?? 0);
      i++;
      sum += i;
      ctx.progress(i, ctx.input.steps);
      await ctx.checkpoint({ i, sum });
    }
    return { steps: i, sum };
  }
}
