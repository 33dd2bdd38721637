import { extension, job } from "@kiln/sdk";
import { busyWait } from "../../_lib/hostile.js";

// A slow start-up widens the window in which two loads of the same folder overlap.
busyWait(300);

@extension({ id: "hostile-race-load", name: "Race load", version: "1.0.0" })
export class RaceLoad {
  init(): void {
    busyWait(100);
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
