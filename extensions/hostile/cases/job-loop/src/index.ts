import { extension, job } from "@kiln/sdk";

let runs = 0;

/** A job that loops for ever without ever looking up. */
@extension({ id: "hostile-job-loop", name: "Job loop", version: "1.0.0" })
export class JobLoop {
  @job({ name: "spin" })
  spin(): never {
    for (;;) {}
  }

  /** Counts its runs in module state: the count goes on only if the instance survived. */
  @job({ name: "ok" })
  ok(): { ok: true; runs: number } {
    runs++;
    return { ok: true, runs };
  }
}
