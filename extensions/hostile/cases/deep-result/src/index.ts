import { extension, job } from "@kiln/sdk";
import { deep } from "../../_lib/hostile.js";

/** Results nested far deeper than any limit. */
@extension({ id: "hostile-deep-result", name: "Deep result", version: "1.0.0" })
export class DeepResult {
  @job({ name: "deep-2500" })
  deep2500(): unknown {
    return deep(2500);
  }

  @job({ name: "deep-100k" })
  deep100k(): unknown {
    return deep(100_000);
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
