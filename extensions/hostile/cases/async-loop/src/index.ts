import { extension, type JobContext, job } from "@kiln/sdk";

/** Loops after an `await` (in a promise job, not the export's own frame) and after a host call. */
@extension({ id: "hostile-async-loop", name: "Async loop", version: "1.0.0", permissions: ["kv.read"] })
export class AsyncLoop {
  @job({ name: "spin" })
  async spin(ctx: JobContext): Promise<never> {
    await Promise.resolve();
    await ctx.call("kv.get", { key: "k" });
    await new Promise<void>((resolve) => resolve());
    for (;;) {}
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
