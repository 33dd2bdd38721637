import { extension, job } from "@kiln/sdk";

/** Asks for a 512 MiB string at once. */
@extension({ id: "hostile-repeat-bomb", name: "Repeat bomb", version: "1.0.0" })
export class RepeatBomb {
  @job({ name: "bomb" })
  bomb(): number {
    return "x".repeat(2 ** 29).length;
  }

  /** The same, caught: the job must see a catchable error and go on. */
  @job({ name: "caught" })
  caught(): { caught: string; after: number } {
    let caught = "nothing thrown";
    try {
      caught = String("x".repeat(2 ** 29).length);
    } catch (error) {
      caught = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    return { caught, after: "y".repeat(1000).length };
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
