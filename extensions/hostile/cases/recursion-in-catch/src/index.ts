import { extension, job } from "@kiln/sdk";

let calls = 0;

/** Every stack overflow is caught and answered by recursing again: exponential, a runaway. */
function again(): void {
  calls++;
  try {
    again();
  } catch {
    again();
  }
}

@extension({ id: "hostile-recursion-in-catch", name: "Recursion in catch", version: "1.0.0" })
export class RecursionInCatch {
  @job({ name: "spin" })
  spin(): number {
    again();
    return calls;
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
