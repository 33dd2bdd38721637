import { extension, type JobContext, job } from "@kiln/sdk";
import { codeOf } from "../../_lib/hostile.js";

/** 100,000 host calls as fast as it can; counts answers by code. */
@extension({ id: "hostile-call-flood", name: "Call flood", version: "1.0.0", permissions: ["hostile.echo"] })
export class CallFlood {
  @job({ name: "flood" })
  async flood(ctx: JobContext): Promise<{ codes: Record<string, number> }> {
    const codes: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) {
      let code = "OK";
      try {
        await ctx.call("hostile.echo", { i });
      } catch (error) {
        code = codeOf(error);
      }
      codes[code] = (codes[code] ?? 0) + 1;
    }
    return { codes };
  }
}
