import { extension, type JobContext, job } from "@kiln/sdk";
import { codeOf } from "../../_lib/hostile.js";

/** 3,000 checkpoints as fast as it can; counts what was accepted and what refused. */
@extension({ id: "hostile-checkpoint-flood", name: "Checkpoint flood", version: "1.0.0" })
export class CheckpointFlood {
  @job({ name: "flood" })
  async flood(ctx: JobContext): Promise<{ accepted: number; last: number; codes: Record<string, number> }> {
    let accepted = 0;
    let last = 0;
    const codes: Record<string, number> = {};
    for (let i = 1; i <= 3000; i++) {
      try {
        await ctx.checkpoint({ i });
        accepted++;
        last = i;
      } catch (error) {
        const code = codeOf(error);
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }
    return { accepted, last, codes };
  }
}
