import { extension, job } from "@kiln/sdk";

let runs = 0;

/** Loops, and swallows whatever is thrown at it to stop it. */
@extension({ id: "hostile-catch-all-loop", name: "Catch-all loop", version: "1.0.0" })
export class CatchAllLoop {
  @job({ name: "spin" })
  spin(): never {
    for (;;) {
      try {
        for (;;) {}
      } catch {
        // Swallowed: try again.
      }
    }
  }

  @job({ name: "ok" })
  ok(): { ok: true; runs: number } {
    runs++;
    return { ok: true, runs };
  }
}
