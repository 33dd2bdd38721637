import { extension, job } from "@kiln/sdk";
import { type Reply, raw } from "../../_lib/hostile.js";

let fromInit: Reply | undefined;

/** Checkpoints from `init`, where no job runs. */
@extension({ id: "hostile-raw-checkpoint-init", name: "Raw $checkpoint in init", version: "1.0.0" })
export class RawCheckpointInit {
  init(): void {
    fromInit = raw(
      "$checkpoint",
      JSON.stringify({
        state: { forged: true },
        progress: { done: 1, total: 1, message: null },
        counters: { items: 1, bytes: 1 },
      }),
    );
  }

  @job({ name: "report" })
  report(): { reply: Reply | null } {
    return { reply: fromInit ?? null };
  }
}
