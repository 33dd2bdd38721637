import { extension, job } from "@kiln/sdk";

/** The endless loop hides in a `finally`, where a thrown stop would land. */
@extension({ id: "hostile-finally-loop", name: "Finally loop", version: "1.0.0" })
export class FinallyLoop {
  @job({ name: "spin" })
  spin(): never {
    try {
      throw new Error("into the finally");
    } finally {
      while (true) {}
    }
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
