import { extension, job } from "@kiln/sdk";
import { raw, replyCode } from "../../_lib/hostile.js";

/** Reports progress that is not numbers, bypassing the SDK. */
@extension({ id: "hostile-raw-progress", name: "Raw $progress", version: "1.0.0" })
export class RawProgress {
  @job({ name: "forge" })
  forge(): { codes: string[] } {
    const payloads = [
      { done: "lots", total: {}, message: 5, counters: null },
      { done: null, total: "x", message: null, counters: { items: "many", bytes: [] } },
      { done: Number.POSITIVE_INFINITY, total: -1, message: { nested: true }, counters: { items: 1, bytes: 2 } },
      {},
      [],
    ];
    return { codes: payloads.map((p) => replyCode(raw("$progress", JSON.stringify(p)))) };
  }
}
