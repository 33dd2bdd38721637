/**
 * Just enough of the WebAssembly binary format to write the modules `module.ts` emits: LEB128
 * integers, names, sections. Not exported from the package; the emitter is its only user.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A growable byte buffer with the binary format's primitive encodings. */
export class ByteWriter {
  #buffer: Uint8Array<ArrayBuffer>;
  #length = 0;

  /** @param capacity initial size; the buffer doubles when it fills */
  constructor(capacity = 256) {
    this.#buffer = new Uint8Array(Math.max(capacity, 16));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** One byte (an opcode, a flag, a value type). */
  byte(value: number): this {
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
    return this;
  }

  /** Raw bytes, as they are. */
  bytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
    return this;
  }

  /** An unsigned LEB128 `u32`: counts, sizes and indices. */
  u32(value: number): this {
    let v = value >>> 0;
    do {
      const low = v & 0x7f;
      v >>>= 7;
      this.byte(v === 0 ? low : low | 0x80);
    } while (v !== 0);
    return this;
  }

  /**
   * A signed LEB128 `i32`, the immediate of `i32.const`. Values from 2^31 up wrap to negative, as
   * the text format reads them, so a u32 length round-trips.
   */
  i32(value: number): this {
    let v = value | 0;
    for (;;) {
      const low = v & 0x7f;
      v >>= 7;
      // Done once the rest is pure sign extension of the bit just written (bit 6).
      if ((v === 0 && (low & 0x40) === 0) || (v === -1 && (low & 0x40) !== 0)) {
        this.byte(low);
        return this;
      }
      this.byte(low | 0x80);
    }
  }

  /** A name: the UTF-8 bytes, prefixed with their length. */
  name(text: string): this {
    return this.vector(encoder.encode(text));
  }

  /** A byte vector: the length, then the bytes. */
  vector(bytes: Uint8Array): this {
    return this.u32(bytes.length).bytes(bytes);
  }

  /** `body` prefixed with its size, as sections and function bodies are. */
  sized(body: ByteWriter): this {
    return this.u32(body.length).bytes(body.view());
  }

  /** A section: its id, then the body's size, then the body. */
  section(id: SectionId, body: ByteWriter): this {
    return this.byte(id).sized(body);
  }

  /** A custom section (id 0): its name and payload, sized together. */
  customSection(name: string, payload: Uint8Array): this {
    return this.section(SectionId.custom, new ByteWriter(payload.length + name.length + 8).name(name).bytes(payload));
  }

  /** What was written, without copying: valid until the next write. */
  view(): Uint8Array<ArrayBuffer> {
    return this.#buffer.subarray(0, this.#length);
  }

  /** What was written, in a buffer of its own that holds exactly those bytes. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.#buffer.slice(0, this.#length);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.view());
    this.#buffer = grown;
  }
}

/** Section ids of the binary format (the order they must appear in is another matter). */
export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  global: 6,
  export: 7,
  code: 10,
  data: 11,
  dataCount: 12,
} as const;

/** One of {@link SectionId}'s values. */
export type SectionId = (typeof SectionId)[keyof typeof SectionId];

/** The few opcodes the emitter needs. */
export const Op = {
  if: 0x04,
  end: 0x0b,
  call: 0x10,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Const: 0x41,
  i32Eqz: 0x45,
  /** Prefix of the bulk-memory instructions; `memory.init` is its sub-opcode 8. */
  bulkPrefix: 0xfc,
  memoryInit: 0x08,
} as const;

/** Type, kind and flag bytes. */
export const Code = {
  i32: 0x7f,
  funcType: 0x60,
  /** The block type of a block (or `if`) that yields nothing. */
  blockVoid: 0x40,
  mutable: 0x01,
  externFunc: 0x00,
  externMemory: 0x02,
  limitsMinOnly: 0x00,
  passiveSegment: 0x01,
} as const;

/** The module's preamble: `\0asm` and version 1. */
export const WASM_HEADER: Uint8Array = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
