import { extension, type JobContext, job } from "@kiln/sdk";

/** 100,000 progress reports in a tight loop. */
@extension({ id: "hostile-progress-flood", name: "Progress flood", version: "1.0.0" })
export class ProgressFlood {
  @job({ name: "flood" })
  flood(ctx: JobContext): { reports: number } {
    const total = 100_000;
    for (let i = 1; i <= total; i++) ctx.progress(i, total, `report ${i}`);
    return { reports: total };
  }
}
