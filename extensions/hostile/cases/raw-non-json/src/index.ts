import { extension, job } from "@kiln/sdk";
import { raw, replyCode } from "../../_lib/hostile.js";

declare const __kiln: { call(...args: unknown[]): string };

/** Payloads that are not JSON, to every runtime operation and to an application one. */
@extension({ id: "hostile-raw-non-json", name: "Raw non-JSON", version: "1.0.0", permissions: ["hostile.echo"] })
export class RawNonJson {
  @job({ name: "forge" })
  forge(): { codes: Record<string, string>; odd: string[] } {
    const codes: Record<string, string> = {};
    for (const op of ["$log", "$progress", "$checkpoint", "$complete", "hostile.echo", "kv.get"]) {
      codes[op] = replyCode(raw(op, "{not json"));
    }
    // Arguments that are not strings at all, and lone surrogates.
    const odd: string[] = [];
    for (const args of [[], [1, 2], [{}, { toString: () => "{" }], ["$log", "\ud800"], [Symbol.iterator, "x"]]) {
      try {
        odd.push(String(JSON.parse(__kiln.call(...args)).error?.code ?? "OK"));
      } catch (error) {
        odd.push(error instanceof Error ? `${error.name}` : "thrown");
      }
    }
    return { codes, odd };
  }
}
