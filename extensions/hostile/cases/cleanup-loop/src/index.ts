import { extension, job } from "@kiln/sdk";

/** `cleanup` never returns: unload must still finish. */
@extension({ id: "hostile-cleanup-loop", name: "Cleanup loop", version: "1.0.0" })
export class CleanupLoop {
  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }

  cleanup(): void {
    for (;;) {}
  }
}
