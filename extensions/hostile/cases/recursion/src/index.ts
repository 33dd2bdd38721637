import { extension, job } from "@kiln/sdk";

function down(n: number): number {
  return down(n + 1) + 1;
}

/** Bottomless recursion, plain and inside a catch block. */
@extension({ id: "hostile-recursion", name: "Recursion", version: "1.0.0" })
export class Recursion {
  @job({ name: "plain" })
  plain(): number {
    return down(0);
  }

  @job({ name: "in-catch" })
  inCatch(): number {
    try {
      throw new Error("first");
    } catch {
      return down(0);
    }
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
