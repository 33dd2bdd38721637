import { extension, type JobContext, job } from "@kiln/sdk";

let steps = 0;

/** Counts until stopped by the instruction budget; `report` tells how far it got. */
@extension({ id: "hostile-instruction-budget", name: "Instruction budget", version: "1.0.0" })
export class InstructionBudget {
  @job({ name: "count" })
  count(): never {
    steps = 0;
    for (;;) steps++;
  }

  @job({ name: "bounded" })
  bounded(ctx: JobContext<{ n: number }>): { n: number } {
    let n = 0;
    for (let i = 0; i < ctx.input.n; i++) n++;
    return { n };
  }

  @job({ name: "report" })
  report(): { steps: number } {
    return { steps };
  }
}
