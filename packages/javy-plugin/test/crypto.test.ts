/**
 * The `crypto` group in the sandbox: `crypto.subtle.digest` (SHA-1/256/384/512, computed by
 * `c/digest.c`), `crypto.getRandomValues` and `crypto.randomUUID` inside a real plugin instance,
 * with Node 20 as the oracle. Digests are checked against `node:crypto` for every length 0 to 300,
 * for 1 MB and 10 MB, and past 512 MiB (where a 32-bit bit count would wrap); shapes, spellings and
 * errors by running one script in both engines and comparing the answers. Randomness cannot be
 * compared, so it is checked for shape and, weakly, for being random, with bounds set tens of
 * standard deviations out: a correct generator fails them with probability below 10^-20.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { emit, harness } from "./helpers.js";

const ALGORITHMS = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const;
type Algorithm = (typeof ALGORITHMS)[number];
const NODE_NAMES: Record<Algorithm, string> = {
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

/**
 * Test data, made by the same code in both engines: a seeded 65,537-byte block repeated. The
 * period is prime, so no two blocks of a long input are alike, and a digest that skipped, repeated
 * or misplaced a block would differ.
 */
const BYTES = `
const PERIOD = 65537;
const block = new Uint8Array(PERIOD);
for (let i = 0, state = 0x5eed; i < PERIOD; i++) {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  block[i] = (t ^ (t >>> 14)) >>> 24;
}
const pattern = (length) => {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += PERIOD) out.set(length - at < PERIOD ? block.subarray(0, length - at) : block, at);
  return out;
};
const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => (b + 256).toString(16).slice(1)).join("");
`;

/** The same data in Node. */
const pattern = new Function(`${BYTES}; return pattern;`)() as (length: number) => Uint8Array;

function nodeDigest(algorithm: Algorithm, data: Uint8Array): string {
  return createHash(NODE_NAMES[algorithm]).update(data).digest("hex");
}

/** Runs `body` (the body of an async function that emits one value) in a fresh sandbox. */
async function inSandbox<T>(body: string, prelude = ""): Promise<T> {
  const h = await harness();
  h.run(`${emit}${BYTES}${prelude}\nexport async function run() {\n${body}\n}`, "run");
  expect(h.stderr()).toBe("");
  const lines = h.stdout().trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? "null") as T;
}

/** Runs the same body in Node, with Node's `crypto` and `DOMException`. */
async function inNode<T>(body: string, prelude = ""): Promise<T> {
  let line = "";
  const run = new Function("emit", `${BYTES}${prelude}\nreturn (async () => {\n${body}\n})();`) as (
    emit: (value: unknown) => void,
  ) => Promise<void>;
  await run((value) => {
    line = JSON.stringify(value);
  });
  return JSON.parse(line) as T;
}

/** How a call ended, as plain data both engines can emit: a value's summary or the error's kind. */
const OUTCOME = `
const outcome = async (f) => {
  try {
    const value = await f();
    if (value instanceof ArrayBuffer) return { buffer: hex(value) };
    if (ArrayBuffer.isView(value)) return { view: Object.prototype.toString.call(value), length: value.length };
    return { value };
  } catch (e) {
    const dom = typeof DOMException === "function" && e instanceof DOMException;
    return { error: e.name, message: e.message, dom, typeError: e instanceof TypeError, code: dom ? e.code : null };
  }
};
`;

describe("crypto.subtle.digest against node:crypto", () => {
  let sandbox: Record<Algorithm, { buffer: string[]; view: string[]; dataView: string[] }>;

  beforeAll(async () => {
    sandbox = await inSandbox(`
      const out = {};
      for (const algorithm of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
        const forms = { buffer: [], view: [], dataView: [] };
        for (let length = 0; length <= 300; length++) {
          const data = pattern(length);
          // The same bytes at an odd offset of a larger buffer whose other bytes differ.
          const big = new Uint8Array(length + 20).fill(0xee);
          big.set(data, 7);
          forms.buffer.push(hex(await crypto.subtle.digest(algorithm, data.buffer)));
          forms.view.push(hex(await crypto.subtle.digest(algorithm, big.subarray(7, 7 + length))));
          forms.dataView.push(hex(await crypto.subtle.digest(algorithm, new DataView(big.buffer, 7, length))));
        }
        out[algorithm] = forms;
      }
      emit(out);`);
  });

  for (const algorithm of ALGORITHMS) {
    it(`${algorithm} of every length 0 to 300, as an ArrayBuffer, a Uint8Array at an offset and a DataView`, () => {
      const expected = Array.from({ length: 301 }, (_, length) => nodeDigest(algorithm, pattern(length)));
      const got = sandbox[algorithm];
      expect(got.buffer).toEqual(expected);
      expect(got.view).toEqual(expected);
      expect(got.dataView).toEqual(expected);
    });
  }

  it("1 MB and 10 MB (and 10 MB + 77) inputs, all four algorithms", async () => {
    const lengths = [1 << 20, 10 << 20, (10 << 20) + 77];
    const got = await inSandbox<Record<string, string[]>>(`
      const out = {};
      for (const length of ${JSON.stringify(lengths)}) {
        const data = pattern(length);
        out[length] = [];
        for (const algorithm of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
          out[length].push(hex(await crypto.subtle.digest(algorithm, data)));
        }
      }
      emit(out);`);
    for (const length of lengths) {
      const data = pattern(length);
      expect(got[length], `${length} bytes`).toEqual(ALGORITHMS.map((algorithm) => nodeDigest(algorithm, data)));
    }
  });

  it("an input past 512 MiB, where the length in bits no longer fits 32 bits", { timeout: 180_000 }, async () => {
    const length = 2 ** 29 + 77;
    const got = await inSandbox<string[]>(`
      const data = pattern(${length});
      const out = [];
      for (const algorithm of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
        out.push(hex(await crypto.subtle.digest(algorithm, data)));
      }
      emit(out);`);
    // Node hashes the same bytes a period at a time, never holding all of them.
    const block = pattern(65_537);
    const expected = ALGORITHMS.map((algorithm) => {
      const hash = createHash(NODE_NAMES[algorithm]);
      for (let at = 0; at < length; at += block.length)
        hash.update(block.subarray(0, Math.min(block.length, length - at)));
      return hash.digest("hex");
    });
    expect(got).toEqual(expected);
  });

  it("hashes at a useful speed (MB/s inside the sandbox, best of 3 over 10 MB, printed)", async () => {
    const rates = await inSandbox<Record<Algorithm, number>>(`
      const data = pattern(10 << 20);
      const out = {};
      for (const algorithm of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
        await crypto.subtle.digest(algorithm, data.subarray(0, 1 << 20)); // let the engine tier up
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          await crypto.subtle.digest(algorithm, data);
          best = Math.min(best, performance.now() - started);
        }
        out[algorithm] = Math.round(data.length / 1e6 / (best / 1e3));
      }
      emit(out);`);
    console.info(`digest throughput in the sandbox (MB/s): ${JSON.stringify(rates)}`);
    // A floor far below what any machine reaches, against a pathological slowdown only.
    for (const algorithm of ALGORITHMS) expect(rates[algorithm]).toBeGreaterThan(5);
  });
});

/** Algorithms and data that digest must take or refuse as Node does; run in both engines. */
const DIGEST_CASES = `${OUTCOME}
const data = new Uint8Array([0x61, 0x62, 0x63]);
const algorithms = [
  "SHA-1", "SHA-256", "SHA-384", "SHA-512", "sha-1", "Sha-256", "sHa-384", "sha-512", "\u017fha-256",
  { name: "SHA-256" }, { name: "sha-1" }, { name: { toString: () => "sha-384" } }, { name: "SHA-512", length: 9 },
  Object.defineProperty(function () {}, "name", { value: "sha-1" }),
  "SHA-224", "SHA256", "SHA_256", "SHA-512/256", "MD5", "AES-GCM", "", " SHA-1", "SHA-1 ", "SHA-1\\u0000",
  null, undefined, 1, 256, true, [], ["SHA-1"], {}, { name: undefined }, { name: null }, { name: "" }, { name: 1 },
];
const spellings = [];
for (const algorithm of algorithms) spellings.push(await outcome(() => crypto.subtle.digest(algorithm, data)));

const big = new Uint8Array(40).map((_, i) => i * 7);
const forms = [
  () => big.buffer,
  () => big,
  () => big.subarray(3, 31),
  () => new DataView(big.buffer, 5, 17),
  () => new DataView(big.buffer),
  () => new Int16Array(big.buffer, 6, 5),
  () => new Uint32Array(big.buffer, 8, 3),
  () => new Float64Array(big.buffer, 8, 4),
  () => new BigUint64Array(big.buffer, 16, 2),
  () => new Uint8ClampedArray(big.buffer, 1, 0),
  () => new ArrayBuffer(0),
  () => new DataView(new ArrayBuffer(0)),
  () => Object.defineProperty(big.subarray(0, 4), "buffer", { value: new ArrayBuffer(9) }),
  () => "abc", () => [1, 2, 3], () => null, () => undefined, () => 3, () => ({}), () => ({ byteLength: 3 }),
  () => Object.create(ArrayBuffer.prototype), () => Object.create(Uint8Array.prototype), () => Symbol("data"),
  ...(typeof SharedArrayBuffer === "function" ? [() => new SharedArrayBuffer(3), () => new Uint8Array(new SharedArrayBuffer(3))] : []),
];
const dataForms = [];
for (const form of forms) dataForms.push(await outcome(() => crypto.subtle.digest("SHA-256", form())));

const misuse = [];
for (const f of [
  () => crypto.subtle.digest(),
  () => crypto.subtle.digest("SHA-1"),
  () => crypto.subtle.digest("SHA-1", data, "extra"),
  () => crypto.subtle.digest.call({}, "SHA-1", data),
  () => crypto.subtle.digest.call(crypto, "SHA-1", data),
  () => crypto.subtle.digest.call(undefined, "SHA-1", data),
  () => crypto.subtle.digest("nope", "not data"),
  () => crypto.subtle.digest({}, "not data"),
  () => crypto.subtle.digest(Symbol("a"), "not data"),
  () => crypto.subtle.digest(Symbol("a"), data),
  () => crypto.subtle.digest({ name: Symbol("a") }, data),
  () => crypto.subtle.digest({ get name() { throw new RangeError("from the getter"); } }, data),
]) misuse.push(await outcome(f));

// Always a promise, never a synchronous throw; each result a fresh ArrayBuffer.
const promises = [() => crypto.subtle.digest("nope", 1), () => crypto.subtle.digest(), () => crypto.subtle.digest.call({})].map((f) => {
  try {
    const p = f();
    p.catch(() => {});
    return p instanceof Promise;
  } catch {
    return "threw";
  }
});
const first = await crypto.subtle.digest("SHA-256", data);
const second = await crypto.subtle.digest("SHA-256", data);

// The bytes are taken when digest is called: writes after the call do not change the result.
const mutable = new Uint8Array([1, 2, 3, 4]);
const pending = crypto.subtle.digest("SHA-512", mutable);
mutable.fill(9);
const snapshot = hex(await pending);

emit({ spellings, dataForms, misuse, promises, fresh: [first !== second, first.byteLength], snapshot });
`;

describe("crypto.subtle.digest's arguments and errors against Node 20's", () => {
  type Answers = Record<"spellings" | "dataForms" | "misuse" | "promises" | "fresh" | "snapshot", unknown>;
  let sandbox: Answers;
  let node: Answers;

  beforeAll(async () => {
    sandbox = await inSandbox<Answers>(DIGEST_CASES);
    node = await inNode<Answers>(DIGEST_CASES);
  });

  it("matches algorithm names case-insensitively, as strings or { name }, and refuses others", () => {
    expect(sandbox.spellings).toEqual(node.spellings);
    // The oracle itself covers both outcomes: known names hash, unknown ones are NotSupportedError.
    const answers = node.spellings as Array<{ buffer?: string; error?: string }>;
    expect(answers.filter((a) => a.buffer !== undefined).length).toBe(14);
    expect(answers.filter((a) => a.error === "NotSupportedError").length).toBeGreaterThan(15);
  });

  it("hashes every BufferSource (views at offsets included) and refuses everything else with a TypeError", () => {
    // Node 20 refuses Object.create(ArrayBuffer.prototype) with V8's message from the byteLength
    // getter it calls ("Method get ArrayBuffer.prototype.byteLength called on incompatible
    // receiver"): a slip, so there only the class and name are compared; the sandbox gives the
    // message Node gives every other non-BufferSource.
    const leaked = (answer: unknown) =>
      typeof (answer as { message?: unknown }).message === "string" &&
      (answer as { message: string }).message.startsWith("Method get ArrayBuffer.prototype.byteLength")
        ? {
            ...(answer as object),
            message:
              "Failed to execute 'digest' on 'SubtleCrypto': 2nd argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.",
          }
        : answer;
    expect(sandbox.dataForms).toEqual((node.dataForms as unknown[]).map(leaked));
    const refused = (node.dataForms as Array<{ typeError?: boolean }>).filter((a) => a.typeError);
    expect(refused.length).toBeGreaterThanOrEqual(10);
  });

  it("checks arity, `this` and argument order, and always returns a promise, as Node does", () => {
    expect(sandbox.misuse).toEqual(node.misuse);
    expect(sandbox.promises).toEqual([true, true, true]);
    expect(sandbox.promises).toEqual(node.promises);
  });

  it("resolves to a fresh ArrayBuffer, hashing the bytes as they were at the call", () => {
    expect(sandbox.fresh).toEqual([true, 32]);
    expect(sandbox.snapshot).toBe(nodeDigest("SHA-512", Uint8Array.from([1, 2, 3, 4])));
    expect(sandbox.snapshot).toBe(node.snapshot);
  });
});

/** getRandomValues' accepted types, its limit and its refusals; run in both engines. */
const RANDOM_CASES = `${OUTCOME}
const INTEGER = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
const accepted = [];
for (const Type of INTEGER) {
  for (const length of [0, 1, 65536 / Type.BYTES_PER_ELEMENT, 65536 / Type.BYTES_PER_ELEMENT + 1]) {
    accepted.push(await outcome(() => {
      const view = new Type(length);
      const result = crypto.getRandomValues(view);
      if (result !== view) throw new Error("returned another object");
      return result;
    }));
  }
}
const refused = [];
for (const make of [
  () => new Float32Array(4), () => new Float64Array(4), () => new Float32Array(20000), () => new DataView(new ArrayBuffer(4)),
  () => new ArrayBuffer(4), () => [1, 2, 3], () => null, () => undefined, () => 7, () => "abc", () => ({ length: 4 }),
  () => Object.create(Uint8Array.prototype),
  () => Object.defineProperty(new Float32Array(1), Symbol.toStringTag, { value: "Uint8Array" }),
]) refused.push(await outcome(() => crypto.getRandomValues(make())));
const misuse = [];
for (const f of [
  () => crypto.getRandomValues(),
  () => crypto.getRandomValues.call({}, new Uint8Array(1)),
  () => crypto.getRandomValues.call(undefined, new Uint8Array(1)),
  () => crypto.randomUUID.call({}),
  () => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(crypto), "subtle").get.call({}),
  () => new crypto.constructor(),
  () => new crypto.subtle.constructor(),
  () => crypto.getRandomValues(new Uint8Array(2), "extra").length,
]) misuse.push(await outcome(f));
emit({ accepted, refused, misuse });
`;

describe("crypto.getRandomValues against Node 20", () => {
  type Answers = Record<"accepted" | "refused" | "misuse", unknown[]>;
  let sandbox: Answers;
  let node: Answers;

  beforeAll(async () => {
    sandbox = await inSandbox<Answers>(RANDOM_CASES);
    node = await inNode<Answers>(RANDOM_CASES);
  });

  it("fills every integer typed array up to 65,536 bytes and refuses one element more", () => {
    expect(sandbox.accepted).toEqual(node.accepted);
    const quota = (node.accepted as Array<{ error?: string }>).filter((a) => a.error === "QuotaExceededError");
    expect(quota).toHaveLength(9);
    expect(quota[0]).toMatchObject({ dom: true, code: 22 });
  });

  it("refuses other views and values with a TypeMismatchError DOMException", () => {
    expect(sandbox.refused).toEqual(node.refused);
    expect(sandbox.refused.every((a) => (a as { error?: string }).error === "TypeMismatchError")).toBe(true);
  });

  it("checks arity and `this`, and its constructors are illegal, as Node's", () => {
    expect(sandbox.misuse).toEqual(node.misuse);
  });
});

describe("crypto's shape against Node 20's", () => {
  const SHAPE = `
const describeMember = (object, key) => {
  const d = Object.getOwnPropertyDescriptor(object, key);
  const f = d.value ?? d.get;
  return [typeof d.value, typeof d.get, d.enumerable, d.configurable, d.writable ?? null, f.name, f.length];
};
const proto = Object.getPrototypeOf(crypto);
const subtleProto = Object.getPrototypeOf(crypto.subtle);
emit({
  tags: [Object.prototype.toString.call(crypto), Object.prototype.toString.call(crypto.subtle), String(crypto)],
  tagDescriptors: [proto, subtleProto].map((p) => {
    const d = Object.getOwnPropertyDescriptor(p, Symbol.toStringTag);
    return [d.value, d.enumerable, d.configurable, d.writable];
  }),
  own: [Object.getOwnPropertyNames(crypto), Object.keys(crypto), Object.getOwnPropertyNames(crypto.subtle)],
  members: ["constructor", "subtle", "getRandomValues", "randomUUID"].map((key) => describeMember(proto, key)),
  digest: describeMember(subtleProto, "digest"),
  constructors: [crypto.constructor.name, crypto.subtle.constructor.name, crypto instanceof crypto.constructor],
  protos: [Object.getPrototypeOf(proto) === Object.prototype, Object.getPrototypeOf(subtleProto) === Object.prototype],
  sameSubtle: crypto.subtle === crypto.subtle,
  methodsAreNotConstructors: [crypto.getRandomValues, crypto.randomUUID, crypto.subtle.digest].map((f) => {
    try { new f(); return "constructed"; } catch (e) { return e.name; }
  }),
});`;

  it("has Node's prototypes, members, descriptors, names and tags", async () => {
    const sandbox = await inSandbox<Record<string, unknown>>(SHAPE);
    const node = await inNode<Record<string, unknown>>(SHAPE);
    // Node's methods are plain functions; WebIDL's (and ours, like the other groups') are not constructors.
    expect(sandbox.methodsAreNotConstructors).toEqual(["TypeError", "TypeError", "TypeError"]);
    delete sandbox.methodsAreNotConstructors;
    delete node.methodsAreNotConstructors;
    expect(sandbox).toEqual(node);
  });

  it("has only digest on SubtleCrypto's prototype, and crypto is a lazily installed, non-enumerable global", async () => {
    const got = await inSandbox(`emit([
      Object.getOwnPropertyNames(Object.getPrototypeOf(crypto.subtle)),
      Object.getOwnPropertyDescriptor(globalThis, "crypto").enumerable,
      typeof crypto,
      Object.keys(globalThis).includes("crypto"),
    ]);`);
    expect(got).toEqual([["constructor", "digest"], false, "object", false]);
  });

  it("falls back to an Error of the right name when DOMException is missing", async () => {
    const got = await inSandbox(
      `emit([
        await outcome(() => crypto.getRandomValues(new Float64Array(1))),
        await outcome(() => crypto.getRandomValues(new Uint8Array(65537))),
        await outcome(() => crypto.subtle.digest("MD5", new Uint8Array(1))),
      ]);`,
      `${OUTCOME}globalThis.DOMException = undefined;\n`,
    );
    expect(got).toEqual([
      {
        error: "TypeMismatchError",
        message: "The data argument must be an integer-type TypedArray",
        dom: false,
        typeError: false,
        code: null,
      },
      {
        error: "QuotaExceededError",
        message: "The requested length exceeds 65,536 bytes",
        dom: false,
        typeError: false,
        code: null,
      },
      { error: "NotSupportedError", message: "Unrecognized algorithm name", dom: false, typeError: false, code: null },
    ]);
  });
});

describe("randomness in the sandbox", () => {
  it("fills exactly the view's bytes, whatever its type and offset", async () => {
    const got = await inSandbox<Array<[string, number, number, boolean]>>(`
      const out = [];
      for (const Type of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array]) {
        const size = Type.BYTES_PER_ELEMENT;
        const bytes = new Uint8Array(64 * size + 2 * 8 * size).fill(0xa5);
        crypto.getRandomValues(new Type(bytes.buffer, 8 * size, 64));
        const inside = bytes.subarray(8 * size, 8 * size + 64 * size);
        const outside = [...bytes.subarray(0, 8 * size), ...bytes.subarray(8 * size + 64 * size)];
        // With 64 elements' worth of random bytes, at most a handful may still hold 0xa5 by chance.
        const unchanged = inside.filter((b) => b === 0xa5).length;
        out.push([Type.name, unchanged, outside.length, outside.every((b) => b === 0xa5)]);
      }
      emit(out);`);
    expect(got).toHaveLength(9);
    for (const [type, unchanged, outsideLength, outsideIntact] of got) {
      expect(outsideIntact, type).toBe(true);
      expect(outsideLength).toBeGreaterThan(0);
      // Expected 64 · size / 256 ≤ 2; over 20 would be ~10^-20 for a uniform source.
      expect(unchanged, type).toBeLessThan(20);
    }
  });

  it("gives bytes that look uniform and differ from call to call (fixed, very wide bounds)", async () => {
    const got = await inSandbox<{ counts: number[]; ones: number; same: number; sum: number }>(`
      const a = crypto.getRandomValues(new Uint8Array(65536));
      const b = crypto.getRandomValues(new Uint8Array(65536));
      const counts = new Array(256).fill(0);
      let ones = 0, same = 0, sum = 0;
      for (let i = 0; i < a.length; i++) {
        counts[a[i]]++;
        sum += a[i];
        for (let v = a[i]; v; v &= v - 1) ones++;
        if (a[i] === b[i]) same++;
      }
      emit({ counts, ones, same, sum });`);
    // 65,536 uniform bytes: each value ~Bin(65536, 1/256), mean 256, sd 16; bits ~Bin(524288, 1/2),
    // sd 362; equal positions in two draws ~Bin(65536, 1/256). Bounds are over 9 sd away.
    expect(Math.min(...got.counts)).toBeGreaterThan(100);
    expect(Math.max(...got.counts)).toBeLessThan(420);
    expect(Math.abs(got.ones - 262_144)).toBeLessThan(4000);
    expect(got.same).toBeLessThan(420);
    expect(Math.abs(got.sum / 65_536 - 127.5)).toBeLessThan(3);
  });

  it("randomUUID: 10,000 version 4 UUIDs, lowercase, all distinct, random digits spread evenly", async () => {
    const uuids = await inSandbox<string[]>(`
      const out = [];
      for (let i = 0; i < 10000; i++) out.push(crypto.randomUUID());
      emit(out);`);
    expect(uuids).toHaveLength(10_000);
    const format = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(uuids.filter((uuid) => !format.test(uuid))).toEqual([]);
    expect(new Set(uuids).size).toBe(10_000);
    // 30 free hex digits per UUID (the version digit is fixed, the variant digit has 4 values):
    // 300,000 digits, each value ~Bin(300000, 1/16), mean 18,750, sd 133.
    const counts = new Map<string, number>();
    for (const uuid of uuids) {
      const digits = uuid.replaceAll("-", "");
      const free = digits.slice(0, 12) + digits.slice(13, 16) + digits.slice(17);
      for (const digit of free) counts.set(digit, (counts.get(digit) ?? 0) + 1);
    }
    expect(counts.size).toBe(16);
    for (const count of counts.values()) expect(Math.abs(count - 18_750)).toBeLessThan(1500);
    const variants = new Set(uuids.map((uuid) => uuid[19]));
    expect([...variants].sort()).toEqual(["8", "9", "a", "b"]);
  });
});
