import { extension, type JobContext, job } from "@kiln/sdk";
import { codeOf, raw, replyCode } from "../../_lib/hostile.js";

/** Calls an operation whose name is 4 MB long, through the SDK and raw. */
@extension({ id: "hostile-long-op-name", name: "Long operation name", version: "1.0.0" })
export class LongOpName {
  @job({ name: "call" })
  async call(ctx: JobContext): Promise<{ sdk: string; raw: string }> {
    const name = `a.${"b".repeat(4 * 1024 * 1024)}`;
    let sdk = "OK";
    try {
      await ctx.call(name, {});
    } catch (error) {
      sdk = codeOf(error);
    }
    return { sdk, raw: replyCode(raw(`$${name}`, "{}")) };
  }
}
