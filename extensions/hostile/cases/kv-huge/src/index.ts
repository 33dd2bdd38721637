import { extension, type JobContext, job } from "@kiln/sdk";
import { codeOf } from "../../_lib/hostile.js";

/** Stores a 2 MB value (kv values are at most 1 MiB). */
@extension({ id: "hostile-kv-huge", name: "Huge kv value", version: "1.0.0", permissions: ["kv.write", "kv.read"] })
export class KvHuge {
  @job({ name: "set" })
  async set(ctx: JobContext): Promise<{ code: string; stored: unknown }> {
    let code = "OK";
    try {
      await ctx.call("kv.set", { key: "big", value: "x".repeat(2 * 1024 * 1024) });
    } catch (error) {
      code = codeOf(error);
    }
    return { code, stored: await ctx.call("kv.get", { key: "big" }) };
  }
}
