import { extension, type JobContext, job } from "@kiln/sdk";
import { rawCall } from "../../_lib/hostile.js";

/** What the reply to a raw call looked like, checked inside the sandbox. */
interface ReplySummary {
  /** `reply.ok`, whatever type it had. */
  ok?: unknown;
  code?: unknown;
  messageType?: string;
  /** Set when the reply was not JSON (or not parsable by the extension). */
  unparsable?: true;
  length: number;
  head: string;
}

function summarize(reply: string): ReplySummary {
  const base = { length: reply.length, head: reply.slice(0, 200) };
  try {
    const parsed = JSON.parse(reply) as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
    return {
      ...base,
      ok: parsed?.ok,
      code: parsed?.error?.code,
      messageType: typeof parsed?.error?.message,
    };
  } catch {
    return { ...base, unparsable: true };
  }
}

/** What the fuzzer drives: an echo, and a raw host call with whatever operation and payload it is given. */
@extension({
  id: "hostile-fuzz-target",
  name: "Fuzz target",
  version: "1.0.0",
  permissions: ["hostile.echo", "kv.read", "kv.write"],
})
export class FuzzTarget {
  init(): void {}

  @job({ name: "echo" })
  echo(ctx: JobContext<unknown>): unknown {
    return ctx.input;
  }

  /**
   * Calls `__kiln.call(op, payload)` raw and logs a summary of the reply (a forged `$complete` may
   * replace the job's result, so the log line is what the fuzzer reads).
   */
  @job({ name: "raw" })
  raw(ctx: JobContext<{ op: string; payload: string }>): ReplySummary {
    const summary = summarize(rawCall(ctx.input.op, ctx.input.payload));
    ctx.log(`REPLY ${JSON.stringify(summary)}`);
    return summary;
  }

  cleanup(): void {}
}
