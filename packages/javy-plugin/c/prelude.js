// The JS half of the globals the plugin installs (Javy's conventions plus the Kiln host door).
// Evaluated once per context by bridge.c, which passes the C natives in `n` and keeps the returned
// helpers. Shapes and formatting are easier to get right in JS; bytes and syscalls stay in C.
(n) => {
  const hide = (obj, name, value) =>
    Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });

  // Javy accepts Uint8Array; we also take any view or an ArrayBuffer, as TextDecoder must.
  const bytes = (where, v) => {
    if (v instanceof ArrayBuffer) return [v, 0, v.byteLength];
    if (ArrayBuffer.isView(v)) return [v.buffer, v.byteOffset, v.byteLength];
    throw new TypeError(`${where}: expected a Uint8Array, another ArrayBuffer view or an ArrayBuffer`);
  };

  hide(globalThis, "Javy", {
    IO: {
      readSync: (fd, data) => n.read(fd | 0, ...bytes("Javy.IO.readSync", data)),
      writeSync: (fd, data) => n.write(fd | 0, ...bytes("Javy.IO.writeSync", data)),
    },
  });

  const show = (v) => {
    if (typeof v === "string") return v;
    if (v instanceof Error)
      return v.stack ? `${v.name}: ${v.message}\n${v.stack}`.trimEnd() : `${v.name}: ${v.message}`;
    if (typeof v === "object" && v !== null) {
      try {
        const json = JSON.stringify(v);
        if (json !== undefined) return json;
      } catch {}
    }
    try {
      return String(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  };
  const printer =
    (fd) =>
    (...args) => {
      let line = "";
      for (let i = 0; i < args.length; i++) line += (i ? " " : "") + show(args[i]);
      n.print(fd, `${line}\n`);
    };
  const console = {};
  for (const name of ["log", "info"]) console[name] = printer(1);
  for (const name of ["error", "warn", "debug", "trace"]) console[name] = printer(2);
  hide(globalThis, "console", console);

  // QuickJS would encode lone surrogates as WTF-8; the Encoding standard wants U+FFFD.
  const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(input = "") {
      let s = String(input);
      if (/[\uD800-\uDFFF]/.test(s)) s = s.replace(loneSurrogate, "\uFFFD");
      return new Uint8Array(n.encode(s));
    }
  }
  const utf8Labels = ["utf-8", "utf8", "unicode-1-1-utf-8"];
  class TextDecoder {
    #ignoreBOM;
    constructor(label = "utf-8", options = {}) {
      if (!utf8Labels.includes(String(label).trim().toLowerCase())) {
        throw new RangeError(`TextDecoder: encoding "${label}" is not supported; only UTF-8 is`);
      }
      this.#ignoreBOM = Boolean(options?.ignoreBOM);
    }
    get encoding() {
      return "utf-8";
    }
    get fatal() {
      return false;
    }
    get ignoreBOM() {
      return this.#ignoreBOM;
    }
    decode(input) {
      if (input === undefined) return "";
      const s = n.decode(...bytes("TextDecoder.decode", input));
      return !this.#ignoreBOM && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
    }
  }
  hide(globalThis, "TextEncoder", TextEncoder);
  hide(globalThis, "TextDecoder", TextDecoder);

  hide(globalThis, "__kiln", Object.freeze({ call: (op, payload) => n.hostCall(String(op), String(payload)) }));

  return {
    // The record kiln-last-error hands out, for whatever value was thrown.
    describeError(e) {
      let name = "Error";
      let message;
      let stack;
      if (e instanceof Error) {
        name = String(e.name);
        message = String(e.message);
        if (typeof e.stack === "string" && e.stack !== "") stack = e.stack;
      } else {
        message = show(e);
      }
      return JSON.stringify(stack === undefined ? { name, message } : { name, message, stack });
    },
    // What compile-src reports: "SyntaxError: <message>" and QuickJS's "at function.mjs:<line>".
    formatCompileError(e) {
      if (!(e instanceof Error)) return show(e);
      const where = typeof e.stack === "string" ? e.stack.trim() : "";
      return `${e.name}: ${e.message}${where ? `\n    ${where}` : ""}`;
    },
  };
};
