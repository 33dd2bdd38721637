import { extension, job } from "@kiln/sdk";

/** Throws things that are hard to describe: getters that throw, a toString that never returns. */
@extension({ id: "hostile-throw-weird", name: "Throw weird", version: "1.0.0" })
export class ThrowWeird {
  @job({ name: "getter" })
  getter(): never {
    throw {
      get message(): string {
        throw new Error("the message getter throws");
      },
      get name(): string {
        throw new Error("the name getter throws");
      },
      toJSON(): never {
        throw new Error("toJSON throws");
      },
    };
  }

  @job({ name: "looping-to-string" })
  loopingToString(): never {
    throw {
      toJSON(): never {
        for (;;) {}
      },
      toString(): string {
        for (;;) {}
      },
    };
  }

  @job({ name: "never-settles" })
  neverSettles(): Promise<never> {
    return new Promise<never>(() => {});
  }

  @job({ name: "ok" })
  ok(): { ok: true } {
    return { ok: true };
  }
}
