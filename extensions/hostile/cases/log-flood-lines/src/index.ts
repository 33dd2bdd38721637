import { extension, type JobContext, job } from "@kiln/sdk";

/** A million log lines. */
@extension({ id: "hostile-log-flood-lines", name: "Log flood (lines)", version: "1.0.0" })
export class LogFloodLines {
  @job({ name: "flood" })
  flood(ctx: JobContext): { lines: number } {
    let lines = 0;
    for (let i = 0; i < 1_000_000; i++) {
      ctx.log(`line ${i} of a flood that goes on`);
      lines++;
    }
    return { lines };
  }
}
