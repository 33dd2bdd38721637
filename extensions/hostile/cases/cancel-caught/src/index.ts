import { extension, type JobContext, job } from "@kiln/sdk";

/** Notices the cancel, swallows it, and returns as if it had finished. */
@extension({ id: "hostile-cancel-caught", name: "Cancel caught", version: "1.0.0" })
export class CancelCaught {
  @job({ name: "escape" })
  async escape(ctx: JobContext): Promise<{ escaped: true; at: number }> {
    for (let i = 0; ; i++) {
      try {
        if (i % 1000 === 0) await ctx.checkpoint({ i });
        ctx.stopIfInterrupted();
      } catch {
        return { escaped: true, at: i };
      }
    }
  }
}
