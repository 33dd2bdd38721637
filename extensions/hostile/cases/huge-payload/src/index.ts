import { extension, type JobContext, job } from "@kiln/sdk";
import { codeOf, raw, replyCode } from "../../_lib/hostile.js";

/** A 9 MiB payload, over the 8 MiB default, to an application operation, a log line and a progress message. */
@extension({ id: "hostile-huge-payload", name: "Huge payload", version: "1.0.0", permissions: ["hostile.echo"] })
export class HugePayload {
  @job({ name: "call" })
  async call(ctx: JobContext): Promise<{ op: string; log: string; progress: string }> {
    const blob = "x".repeat(9 * 1024 * 1024);
    let op = "OK";
    try {
      await ctx.call("hostile.echo", { blob });
    } catch (error) {
      op = codeOf(error);
    }
    const log = replyCode(raw("$log", JSON.stringify({ level: "info", message: blob })));
    let progress = "OK";
    try {
      ctx.progress(1, 2, blob);
    } catch (error) {
      progress = codeOf(error);
    }
    return { op, log, progress };
  }
}
