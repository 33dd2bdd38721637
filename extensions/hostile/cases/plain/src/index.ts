import { extension, type JobContext, job } from "@kiln/sdk";

/** A harmless extension whose built files the tampering cases corrupt. */
@extension({ id: "hostile-plain", name: "Plain", version: "1.0.0" })
export class Plain {
  init(): void {}

  @job({ name: "echo" })
  echo(ctx: JobContext<unknown>): unknown {
    return ctx.input;
  }

  cleanup(): void {}
}
