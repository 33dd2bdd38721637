import { extension, type JobContext, job } from "@kiln/sdk";
import { codeOf, deep, deepJson, raw, replyCode } from "../../_lib/hostile.js";

/** Checkpoints a state too deep, and one too large; reports what the host answered. */
@extension({ id: "hostile-deep-checkpoint", name: "Deep checkpoint", version: "1.0.0" })
export class DeepCheckpoint {
  @job({ name: "deep" })
  async deep(ctx: JobContext): Promise<{ code: string }> {
    try {
      await ctx.checkpoint({ state: deep(3000) });
      return { code: "OK" };
    } catch (error) {
      return { code: codeOf(error) };
    }
  }

  /** The same state sent raw, past the SDK (whose own JSON.stringify overflows QuickJS's stack first). */
  @job({ name: "raw-deep" })
  rawDeep(): { code: string } {
    const progress = { done: 0, total: null, message: null };
    const counters = { items: 0, bytes: 0 };
    const payload = `{"state":${deepJson(3000)},"progress":${JSON.stringify(progress)},"counters":${JSON.stringify(counters)}}`;
    return { code: replyCode(raw("$checkpoint", payload)) };
  }

  @job({ name: "huge" })
  async huge(ctx: JobContext): Promise<{ code: string }> {
    try {
      await ctx.checkpoint({ blob: "x".repeat(20_000_000) });
      return { code: "OK" };
    } catch (error) {
      return { code: codeOf(error) };
    }
  }
}
