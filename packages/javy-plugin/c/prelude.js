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

  // QuickJS 2021-03-27 defines it for its own benchmarks: not an API of the sandbox.
  delete globalThis.__date_clock;

  // ---- lazy globals: each group of globals/ is evaluated the first time one of its globals is read
  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const loaded = Object.create(null);
  const group = (name) => {
    let values = loaded[name];
    if (values === undefined) {
      values = n.group(name)(internals);
      loaded[name] = values;
    }
    return values;
  };
  for (const [name, globals] of Object.entries(n.groups)) {
    for (const global of globals) {
      Object.defineProperty(globalThis, global, {
        configurable: true,
        enumerable: false,
        get() {
          const values = group(name);
          for (const g of globals) define(g, values[g]);
          return values[global];
        },
        set(value) {
          define(global, value);
        },
      });
    }
  }

  // ---- the event loop's JS half: timers and host calls in flight (bridge.c drives them) --------
  const origin = n.origin;
  const now = () => n.now() - origin;
  const timers = new Map(); // id → { at, seq, fn, args, repeat }
  const heap = []; // timers by (at, seq); entries of cleared or rescheduled timers are skipped
  const before = (a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const push = (t) => {
    let i = heap.push(t) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  // The live timer at the top of the heap, dropping stale entries.
  const peek = () => {
    while (heap.length > 0) {
      const t = heap[0];
      if (timers.get(t.id) === t && t.seq === t.live) return t;
      pop();
    }
    return undefined;
  };
  let timerSeq = 0;
  let nextTimerId = 1;
  const MAX_DELAY = 2 ** 31 - 1; // as Node: anything else (0, negative, NaN, too long) becomes 1 ms
  const typeName = (v) => (v === null ? "null" : typeof v === "object" ? "an instance of Object" : `type ${typeof v}`);
  const schedule = (fn, delay, args, repeat) => {
    if (typeof fn !== "function") {
      throw new TypeError(`The "callback" argument must be of type function. Received ${typeName(fn)}`);
    }
    let ms = Number(delay);
    if (!(ms >= 1 && ms <= MAX_DELAY)) ms = 1;
    const id = nextTimerId++;
    const t = { id, at: now() + ms, seq: ++timerSeq, live: 0, fn, args, repeat: repeat ? ms : 0 };
    t.live = t.seq;
    timers.set(id, t);
    push(t);
    return id;
  };
  const clear = (id) => {
    timers.delete(typeof id === "number" ? id : Number(id));
  };
  hide(globalThis, "setTimeout", function setTimeout(fn, delay, ...args) {
    return schedule(fn, delay, args, false);
  });
  hide(globalThis, "setInterval", function setInterval(fn, delay, ...args) {
    return schedule(fn, delay, args, true);
  });
  hide(globalThis, "clearTimeout", function clearTimeout(id) {
    clear(id);
  });
  hide(globalThis, "clearInterval", function clearInterval(id) {
    clear(id);
  });
  hide(globalThis, "queueMicrotask", function queueMicrotask(fn) {
    if (typeof fn !== "function") {
      throw new TypeError(`The "callback" argument must be of type function. Received ${typeName(fn)}`);
    }
    // A throw becomes an unhandled rejection, which ends the invocation as Node's uncaught error would.
    Promise.resolve().then(() => fn());
  });

  const calls = new Map(); // id → resolve
  let nextCallId = 1;
  const callAsync = (op, payload) => {
    const id = nextCallId;
    nextCallId = nextCallId >= 0x7fffffff ? 1 : nextCallId + 1;
    let resolve;
    const promise = new Promise((r) => {
      resolve = r;
    });
    calls.set(id, resolve);
    try {
      n.callStart(id, String(op), String(payload));
    } catch (error) {
      calls.delete(id);
      throw error;
    }
    return promise;
  };

  const internals = Object.freeze({
    random(view) {
      n.random(view.buffer, view.byteOffset, view.byteLength);
    },
    digest(algorithm, bytes) {
      const out = n.digest(String(algorithm), bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (out === null) throw new TypeError(`no digest named ${algorithm}`);
      return out;
    },
    now,
    timeOrigin: n.timeOrigin,
    promiseState: (promise) => n.promiseState(promise),
    callAsync,
    group,
  });

  // ---- console: Node's formatting (the inspect group), one write per call ----------------------
  // Javy's rendering (JSON for objects): what an error record says of a thrown non-Error, and
  // what console prints should the inspect group be missing.
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
  const format = (...args) => {
    if (args.length === 1 && typeof args[0] === "string") return args[0];
    let inspect;
    try {
      inspect = group("inspect");
    } catch {
      // A host that serves no globals (kiln_host_v1.globals answers -1): Javy's rendering.
    }
    if (typeof inspect?.format === "function") return inspect.format(...args);
    let line = "";
    for (let i = 0; i < args.length; i++) line += (i ? " " : "") + show(args[i]);
    return line;
  };
  // Each method passes its name, so that the host can find the call in the bundle's line (the
  // print native notes the line, see kiln-output-site); named as Node names them, too.
  const printer = (fd, name) =>
    ({
      [name]: (...args) => {
        n.print(fd, `${format(...args)}\n`, name);
      },
    })[name];
  const console = {};
  for (const name of ["log", "info"]) console[name] = printer(1, name);
  for (const name of ["error", "warn", "debug", "trace"]) console[name] = printer(2, name);
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

  hide(
    globalThis,
    "__kiln",
    // callSite is the native itself, not a wrapper: a wrapper's frame would shift what `skip` counts.
    Object.freeze({
      call: (op, payload) => n.hostCall(String(op), String(payload)),
      callAsync,
      format,
      callSite: n.callSite,
    }),
  );

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
    // The event loop, for bridge.c: [timers, calls in flight, ms until the next timer or -1].
    loopState() {
      const t = peek();
      return [timers.size, calls.size, t === undefined ? -1 : Math.max(0, Math.ceil(t.at - now()))];
    },
    // The next timer due at `passNow` (monotonic ms), wrapped to run it; undefined when none is.
    // Timers set while they run are due no earlier than 1 ms later, so a pass always ends.
    dueTimer(passNow) {
      const t = peek();
      if (t === undefined || t.at > passNow - origin) return undefined;
      pop();
      if (t.repeat === 0) timers.delete(t.id);
      return () => {
        try {
          t.fn(...t.args);
        } finally {
          if (t.repeat > 0 && timers.get(t.id) === t) {
            t.at = now() + t.repeat;
            t.seq = ++timerSeq;
            t.live = t.seq;
            push(t);
          }
        }
      };
    },
    // Delivers host call `id`'s reply; false if the call is unknown (cancelled).
    settle(id, reply) {
      const resolve = calls.get(id);
      if (resolve === undefined) return false;
      calls.delete(id);
      resolve(reply);
      return true;
    },
    // Cancels everything pending: [timers, calls] it cancelled.
    reset() {
      const left = [timers.size, calls.size];
      timers.clear();
      heap.length = 0;
      calls.clear();
      return left;
    },
    // What compile-src reports: "SyntaxError: <message>" and QuickJS's "at function.mjs:<line>".
    formatCompileError(e) {
      if (!(e instanceof Error)) return show(e);
      const where = typeof e.stack === "string" ? e.stack.trim() : "";
      return `${e.name}: ${e.message}${where ? `\n    ${where}` : ""}`;
    },
  };
};
