import { extension, type JobContext, job } from "@kiln/sdk";
import { codeOf, deep, deepJson, raw, replyCode } from "../../_lib/hostile.js";

/** Sends 3,000-deep payloads to an application operation and to `kv.set`. */
@extension({
  id: "hostile-deep-call",
  name: "Deep call",
  version: "1.0.0",
  permissions: ["hostile.echo", "kv.write"],
})
export class DeepCall {
  @job({ name: "app-op" })
  async appOp(ctx: JobContext): Promise<{ code: string }> {
    try {
      await ctx.call("hostile.echo", deep(3000));
      return { code: "OK" };
    } catch (error) {
      return { code: codeOf(error) };
    }
  }

  @job({ name: "kv" })
  async kv(ctx: JobContext): Promise<{ code: string }> {
    try {
      await ctx.call("kv.set", { key: "deep", value: deep(3000) });
      return { code: "OK" };
    } catch (error) {
      return { code: codeOf(error) };
    }
  }

  /** The same payloads sent raw, past the SDK (whose own JSON.stringify overflows QuickJS's stack first). */
  @job({ name: "raw-app-op" })
  rawAppOp(): { code: string } {
    return { code: replyCode(raw("hostile.echo", deepJson(3000))) };
  }

  @job({ name: "raw-kv" })
  rawKv(): { code: string } {
    return { code: replyCode(raw("kv.set", `{"key":"deep","value":${deepJson(3000)}}`)) };
  }
}
