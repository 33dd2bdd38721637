import { extension, job } from "@kiln/sdk";
import { always } from "../../_lib/hostile.js";

// Module top-level code that never ends: the host must give up on start-up.
if (always()) for (;;) {}

@extension({ id: "hostile-top-level-loop", name: "Top-level loop", version: "1.0.0" })
export class TopLevelLoop {
  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
