import { extension, type JobContext, job } from "@kiln/sdk";

/** Returns its input: hostile inputs are the application's doing here. */
@extension({ id: "hostile-echo", name: "Echo", version: "1.0.0" })
export class Echo {
  @job({ name: "echo" })
  echo(ctx: JobContext<unknown>): unknown {
    return ctx.input;
  }
}
