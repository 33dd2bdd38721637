import { extension, job } from "@kiln/sdk";

/** Grows an array of distinct strings for ever. */
@extension({ id: "hostile-array-bomb", name: "Array bomb", version: "1.0.0" })
export class ArrayBomb {
  @job({ name: "bomb" })
  bomb(): number {
    const hoard: string[] = [];
    for (let i = 0; ; i++) hoard.push(`${"x".repeat(1000)}${i}`);
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
