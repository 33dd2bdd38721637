import { extension, job } from "@kiln/sdk";

/** A 50 MB result. */
@extension({ id: "hostile-huge-result", name: "Huge result", version: "1.0.0" })
export class HugeResult {
  @job({ name: "huge" })
  huge(): { blob: string } {
    return { blob: "x".repeat(50_000_000) };
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
