/**
 * Deep values at the store: encoding and decoding must refuse what is too deep with a typed
 * `KILN_STORE_VALUE_INVALID` (never a `RangeError` from a recursive check or `JSON.stringify`), so a
 * caller such as the job manager always gets an error it can act on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreValueInvalidError } from "../src/store/errors.js";
import { SqliteJobStore } from "../src/store/sqlite.js";
import { decodeJson, encodeJson, STORE_MAX_VALUE_DEPTH } from "../src/store/values.js";

function deepArray(depth: number, leaf: unknown = 0): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function deepObject(depth: number, leaf: unknown = "x"): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

const arrayText = (depth: number) => `${"[".repeat(depth)}0${"]".repeat(depth)}`;
const objectText = (depth: number) => `${'{"a":'.repeat(depth)}"x"${"}".repeat(depth)}`;

/** What `fn` threw, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const site = { where: "checkpoint of job 1", extensionId: "ext-deep" };

describe("encodeJson of deep values", () => {
  it.each([2_500, STORE_MAX_VALUE_DEPTH])("encodes %i-deep arrays and objects exactly", (depth) => {
    expect(encodeJson(deepArray(depth), site)).toBe(arrayText(depth));
    expect(encodeJson(deepObject(depth), site)).toBe(objectText(depth));
  });

  it.each([STORE_MAX_VALUE_DEPTH + 1, 10_000, 100_000])("refuses %i-deep values with a typed error", (depth) => {
    for (const value of [deepArray(depth), deepObject(depth)]) {
      const error = thrown(() => encodeJson(value, site));
      expect(error).toBeInstanceOf(StoreValueInvalidError);
      expect(error).toMatchObject({ code: "KILN_STORE_VALUE_INVALID", extensionId: "ext-deep" });
      expect((error as Error).message).toContain(`deeper than the limit of ${STORE_MAX_VALUE_DEPTH}`);
      expect((error as Error).message.length).toBeLessThan(1_000);
    }
  });

  it("names the path of a bad leaf 2,500 levels down, elided", () => {
    const error = thrown(() => encodeJson(deepObject(2_500, Number.NaN), site));
    expect(error).toBeInstanceOf(StoreValueInvalidError);
    expect((error as Error).message).toMatch(/value\.a\.a\.a.*….*\.a is NaN/);
    expect((error as Error).message.length).toBeLessThan(1_000);
  });
});

describe("decodeJson of deep text", () => {
  it("reads text as deep as the store writes", () => {
    // Walked by hand: vitest's own deep equality recurses, and overflows at this depth.
    let v = decodeJson(arrayText(STORE_MAX_VALUE_DEPTH));
    for (let i = 0; i < STORE_MAX_VALUE_DEPTH; i++) {
      expect(Array.isArray(v) && v.length === 1).toBe(true);
      v = (v as unknown[])[0];
    }
    expect(v).toBe(0);
  });

  it.each([STORE_MAX_VALUE_DEPTH + 1, 100_000, 1_000_000])("refuses %i-deep text with a typed error", (depth) => {
    for (const text of [arrayText(depth), objectText(depth)]) {
      const error = thrown(() => decodeJson(text));
      expect(error).toBeInstanceOf(StoreValueInvalidError);
      expect((error as Error).message).toContain(`deeper than the limit of ${STORE_MAX_VALUE_DEPTH}`);
    }
  });

  it("is not fooled by brackets inside strings", () => {
    const text = JSON.stringify({ s: "[".repeat(100_000), t: '\\"[[[' });
    expect(decodeJson(text)).toEqual({ s: "[".repeat(100_000), t: '\\"[[[' });
  });
});

describe("the SQLite store with deep values", () => {
  let dir: string;
  let file: string;
  let store: SqliteJobStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kiln-deep-store-"));
    file = join(dir, "jobs.db");
    store = SqliteJobStore.open(file);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function running(): Promise<string> {
    const { id } = await store.create({ extensionId: "ext-deep", jobName: "j", input: null });
    await store.transition(id, ["queued"], "running");
    return id;
  }

  it.each([10_000, 100_000])(
    "refuses a %i-deep checkpoint and result with KILN_STORE_VALUE_INVALID, keeping the job as it was",
    async (depth) => {
      const id = await running();
      await expect(store.checkpoint(id, deepObject(depth))).rejects.toBeInstanceOf(StoreValueInvalidError);
      await expect(store.transition(id, ["running"], "completed", { result: deepArray(depth) })).rejects.toMatchObject({
        code: "KILN_STORE_VALUE_INVALID",
      });
      const record = await store.get(id);
      expect(record?.state).toBe("running");
      expect(record?.checkpointSeq).toBe(0);
      // A job can still be failed with an ordinary error after the refusal.
      const failed = await store.transition(id, ["running"], "failed", { error: { code: "KILN_X", message: "m" } });
      expect(failed?.state).toBe("failed");
    },
  );

  it("refuses a deep job input and kv value with a typed error", async () => {
    await expect(
      store.create({ extensionId: "ext-deep", jobName: "j", input: deepArray(100_000) }),
    ).rejects.toMatchObject({ code: "KILN_STORE_VALUE_INVALID" });
    await expect(store.kv.set("ext-deep", "k", deepArray(100_000))).rejects.toMatchObject({
      code: "KILN_STORE_VALUE_INVALID",
    });
  });

  it("answers a read of a too-deep value already in the file with a typed error", async () => {
    const db = new Database(file);
    db.prepare("INSERT INTO kv (extension_id, key, value, updated_at) VALUES (?, ?, ?, ?)").run(
      "ext-deep",
      "deep",
      arrayText(200_000),
      Date.now(),
    );
    db.close();
    await expect(store.kv.get("ext-deep", "deep")).rejects.toMatchObject({
      code: "KILN_STORE_VALUE_INVALID",
      message: expect.stringContaining('key "deep"'),
    });
  });
});
