import { extension, job } from "@kiln/sdk";
import { deepJson, type Reply, raw } from "../../_lib/hostile.js";

/** Forges the runtime's `$complete` with garbage, deep, huge and oddly shaped payloads, and twice. */
@extension({ id: "hostile-raw-complete", name: "Raw $complete", version: "1.0.0" })
export class RawComplete {
  @job({ name: "garbage" })
  garbage(): { reply: Reply } {
    return { reply: raw("$complete", "{not json") };
  }

  @job({ name: "deep" })
  deep(): { reply: Reply } {
    return { reply: raw("$complete", `{"value":${deepJson(3000)}}`) };
  }

  @job({ name: "huge" })
  huge(): { reply: Reply } {
    return { reply: raw("$complete", JSON.stringify({ value: "x".repeat(2 * 1024 * 1024) })) };
  }

  @job({ name: "twice" })
  twice(): { replies: Reply[]; value: string } {
    const replies = [
      raw("$complete", JSON.stringify({ value: "first" })),
      raw("$complete", JSON.stringify({ value: "second" })),
    ];
    return { replies, value: "third" };
  }

  @job({ name: "shapes" })
  shapes(): { replies: Reply[] } {
    const payloads = ["null", "42", '"str"', "[]", '{"interrupted":"yes"}', '{"value":1,"interrupted":true}', "{}"];
    return { replies: payloads.map((p) => raw("$complete", p)) };
  }
}
