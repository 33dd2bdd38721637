import { extension, job } from "@kiln/sdk";

/** `init` never returns. */
@extension({ id: "hostile-init-loop", name: "Init loop", version: "1.0.0" })
export class InitLoop {
  init(): void {
    for (;;) {}
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
