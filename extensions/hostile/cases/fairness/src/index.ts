import { extension, job } from "@kiln/sdk";

/** Asks for 8 job slots and fills them with jobs that never end. */
@extension({ id: "hostile-fairness", name: "Fairness", version: "1.0.0", limits: { concurrentJobs: 8 } })
export class Fairness {
  @job({ name: "forever" })
  forever(): never {
    for (;;) {}
  }
}
