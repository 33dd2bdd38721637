/**
 * The host's pool of worker threads. Each worker holds many extension instances and runs one
 * invocation (or instance creation) at a time; the host side queues the rest per worker.
 *
 * Placement: a new instance goes to a new worker while the pool has fewer than `size` (about one per
 * core), then to the idle worker with the fewest instances; when every worker is busy the pool
 * grows, up to `max`, so that jobs blocked in slow host calls do not hold up the others. A worker
 * left with no instances exits, and so does a worker above `size` that has idled for
 * {@link SURPLUS_IDLE_MS} (its idle instances go with it; their owners make fresh ones on demand). A worker that is terminated (the last resort for code that never
 * reaches an interrupt check) takes its instances with it: invocations that had not started are
 * reported as `lost`, so their owners run them on a fresh instance elsewhere.
 *
 * @module
 */

import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { type CallSite, hostCallErrorReply } from "@kiln/javy-plugin";
import type { LogLevel } from "../logger.js";
import {
  CALL_AREA_BYTES,
  CALL_BLOCK_BYTES,
  CALL_HEADER_BYTES,
  Call,
  CONTROL_SLOTS,
  Control,
  type FromWorker,
  Interrupt,
  ON_PORT,
  type Outcome,
  type PortCall,
  type PortReply,
  type StopKind,
  StopReason,
  type ToWorker,
  type WorkerInit,
  type WorkerLimits,
} from "./protocol.js";

/**
 * The worker's script, compiled. From `src/` (tests) and from `dist/` (published) this URL is the
 * same file, `dist/worker/entry.js`: Node cannot start a worker from TypeScript.
 */
const ENTRY = new URL("../../dist/worker/entry.js", import.meta.url);

/** What an instance needs from its owner. */
export interface InstanceCallbacks {
  /** `site`: the bundle line of the call that wrote the line, when the plugin could say. */
  onLog(level: LogLevel, message: string, source: "log" | "stdout" | "stderr", site?: CallSite): void;
  onProgress(progress: Extract<FromWorker, { type: "progress" }>): void;
  /** Serves a blocking host call; must always resolve to a reply JSON. */
  onCall(op: string, payload: string): Promise<string>;
}

/** The instance's worker died (crashed, ran out of memory, or was terminated) before the call ended. */
export class WorkerExitedError extends Error {
  constructor(
    readonly reason: string,
    /** The call never started: it can run on another instance as if nothing happened. */
    readonly lost: boolean,
  ) {
    super(reason);
    this.name = "WorkerExitedError";
  }
}

/** Per-invocation limits the worker enforces itself. */
export interface InvokeOptions {
  /** `Date.now()` past which the code is stopped (reason `deadline`). */
  readonly deadline?: number;
  /** Interpreter steps allowed (reason `instructions` past them). */
  readonly instructions?: number;
}

/** How an invocation ended, and the instance's memory after it. */
export interface InvokeResult {
  readonly outcome: Outcome;
  readonly memoryBytes: number;
}

/** Sizing of a {@link WorkerPool}. */
export interface PoolOptions {
  /** Workers the pool fills before it shares them (about one per core). */
  readonly size: number;
  /** Workers at most, when every one is busy. */
  readonly max: number;
  /**
   * The compiled plugin every instance links to (sent to each worker once, never recompiled). A
   * worker may boot before it is compiled: nothing runs there until it is.
   */
  readonly plugin: Promise<WebAssembly.Module>;
}

/** What a new instance is. */
export interface InstanceSpec {
  readonly module: WebAssembly.Module;
  readonly namespace: string;
  readonly limits: WorkerLimits;
}

/** How long the host polls for a job's next call after answering one (see `#answer`). */
const SERVE_SPIN_MS = 0.05;
/** How long calls may be served back to back before the event loop gets its turn. */
const BURST_MS = 2;

/** How long a worker above the pool's size may idle before it is retired. */
export const SURPLUS_IDLE_MS = 2000;

interface Task {
  readonly message: ToWorker;
  /** The instance it is for; none for a warm-up. */
  readonly instance: ExtensionInstance | undefined;
  resolve(result: InvokeResult | undefined): void;
  reject(error: Error): void;
}

/**
 * An invocation from its `invoke` to its `done`. Between steps it may wait (for a timer, for
 * asynchronous host calls) without holding its worker: its next step is a `resume` task, queued
 * when a reply arrives, its next timer is due, its deadline passes or a stop is asked for.
 */
interface OpenInvocation {
  /** The `invoke` task: settled when the invocation ends. */
  readonly task: Task;
  readonly instance: ExtensionInstance;
  readonly seq: number;
  readonly deadline: number | undefined;
  /** Between its `waiting` and its next step. */
  waiting: boolean;
  /** Fires the next step for its timer or its deadline. */
  timer: NodeJS.Timeout | undefined;
  /** A `resume` queued but not yet sent: replies that arrive meanwhile join it. */
  next: { readonly replies: (readonly [number, string])[] } | undefined;
}

/** Extension instances in a pool of worker threads. */
export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #workers = new Set<PoolWorker>();
  #nextInstance = 0;
  #closed = false;
  #reaper: NodeJS.Timeout | undefined;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** Live workers now. */
  get workers(): number {
    return this.#workers.size;
  }

  /** Instances in all workers now. */
  get instances(): number {
    let n = 0;
    for (const w of this.#workers) n += w.instances;
    return n;
  }

  /** A new instance would start running at once: some worker is idle, or the pool may grow. */
  get hasRoom(): boolean {
    let live = 0;
    for (const w of this.#workers) {
      if (!w.accepting) continue;
      if (w.idle) return true;
      live++;
    }
    return live < this.#options.max;
  }

  /**
   * A new instance: the plugin instantiated and the module linked, in a worker (none of the
   * extension's code has run yet). Rejects if the worker failed to create it: with a `lost`
   * {@link WorkerExitedError} when the worker went down before it got to it (its owner may try again).
   */
  async create(spec: InstanceSpec, callbacks: InstanceCallbacks): Promise<ExtensionInstance> {
    if (this.#closed) throw new WorkerExitedError("the host is closed", false);
    const worker = this.#pick();
    const instance = new ExtensionInstance(++this.#nextInstance, worker, callbacks);
    await worker.create(instance, spec);
    return instance;
  }

  /**
   * Runs the plugin's hot paths in a worker, once, so that V8 has compiled them fully (its first,
   * lazy tier is several times slower) before the first job needs them. The compiled code belongs to
   * the shared module, so every worker and instance gains.
   */
  async warmUp(): Promise<void> {
    await this.#pick().warm();
  }

  /** Boots a first worker if there is none, ahead of the first instance. */
  prestart(): void {
    if (this.#workers.size === 0 && !this.#closed) this.#spawn();
  }

  /** Ends every worker at once. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reaper);
    await Promise.all([...this.#workers].map((w) => w.kill("the host is closed")));
  }

  #pick(): PoolWorker {
    const live = [...this.#workers].filter((w) => w.accepting);
    const { size, max } = this.#options;
    const fresh = live.find((w) => w.idle && w.instances === 0);
    if (fresh) return fresh;
    if (live.length < size) return this.#spawn();
    let best: PoolWorker | undefined;
    for (const w of live) if (w.idle && (!best || w.instances < best.instances)) best = w;
    if (best) return best;
    if (live.length < max) return this.#spawn();
    for (const w of live) if (!best || w.load < best.load) best = w;
    return best as PoolWorker;
  }

  #spawn(): PoolWorker {
    const worker = new PoolWorker(
      this.#options.plugin,
      () => this.#workers.delete(worker),
      () => this.#scheduleReap(),
    );
    this.#workers.add(worker);
    return worker;
  }

  #scheduleReap(): void {
    if (this.#reaper || this.#closed || this.#workers.size <= this.#options.size) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const w of this.#workers) if (w.idleSince !== undefined) earliest = Math.min(earliest, w.idleSince);
    if (earliest === Number.POSITIVE_INFINITY) return; // every worker works: the next to idle calls again
    this.#reaper = setTimeout(
      () => {
        this.#reaper = undefined;
        this.#reap();
      },
      Math.max(0, earliest + SURPLUS_IDLE_MS - Date.now()),
    );
    this.#reaper.unref();
  }

  /** Retires workers above the pool's size that idled long enough, those with fewest instances first. */
  #reap(): void {
    const now = Date.now();
    const live = [...this.#workers].filter((w) => w.accepting);
    let surplus = live.length - this.#options.size;
    const idle = live.filter((w) => w.idleSince !== undefined && now - w.idleSince >= SURPLUS_IDLE_MS);
    idle.sort((a, b) => a.instances - b.instances);
    for (const worker of idle) {
      if (surplus <= 0) break;
      void worker.kill("the worker was retired: the pool shrank back to its size");
      surplus--;
    }
    this.#scheduleReap();
  }
}

/** One worker thread of the pool, and the queue of what it is to run. */
class PoolWorker {
  readonly #worker: Worker;
  readonly #header: Int32Array;
  readonly #request: Buffer;
  readonly #reply: Buffer;
  readonly #callPort: MessagePort;
  readonly #instances = new Map<number, ExtensionInstance>();
  readonly #queue: Task[] = [];
  #running: Task | undefined;
  /** Invocations begun here and not ended, by instance id. */
  readonly #open = new Map<number, OpenInvocation>();
  /** The last call seen: only its reply is written (earlier ones were abandoned by the worker). */
  #seen = 0;
  /** When the current run of calls served without a pause began (`performance.now()`). */
  #burstStart = 0;
  #exited: WorkerExitedError | undefined;
  #closing = false;
  /** `Date.now()` when it last ran out of work; undefined while it works. */
  idleSince: number | undefined = Date.now();
  readonly #onExit: () => void;
  readonly #onIdle: () => void;

  /** The plugin has been posted: tasks may go. */
  #ready = false;

  constructor(plugin: Promise<WebAssembly.Module>, onExit: () => void, onIdle: () => void) {
    this.#onExit = onExit;
    this.#onIdle = onIdle;
    const calls = new SharedArrayBuffer(CALL_BLOCK_BYTES);
    this.#header = new Int32Array(calls, 0, CALL_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT);
    this.#request = Buffer.from(calls, CALL_HEADER_BYTES, CALL_AREA_BYTES);
    this.#reply = Buffer.from(calls, CALL_HEADER_BYTES + CALL_AREA_BYTES, CALL_AREA_BYTES);
    const { port1, port2 } = new MessageChannel();
    this.#callPort = port1;
    const data: WorkerInit = { calls, callPort: port2 };
    // execArgv: [] so that the worker resolves packages as published (a test runner's
    // `--conditions` would point it at TypeScript sources it cannot run).
    this.#worker = new Worker(ENTRY, { workerData: data, transferList: [port2], execArgv: [] });
    plugin.then(
      (module) => {
        if (this.#exited) return;
        this.#post({ type: "plugin", module });
        this.#ready = true;
        this.#pump();
      },
      (error: unknown) => void this.kill(`the plugin could not be compiled: ${String(error)}`),
    );
    this.#worker.on("message", (message: FromWorker) => this.#onMessage(message));
    // A message that cannot be deserialised here would otherwise vanish, and with it the outcome
    // of the invocation that sent it: the instance's state is then unknown, so it goes.
    this.#worker.on("messageerror", () => {
      const task = this.#running;
      if (!task) return;
      if (task.instance) task.instance.poisoned = true;
      this.#finish({
        outcome: { kind: "trapped", message: "a message from the extension's worker could not be read" },
        memoryBytes: 0,
      });
    });
    this.#worker.on("error", (error) => this.#die(`the extension's worker crashed: ${error.message}`));
    this.#worker.on("exit", (code) => this.#die(`the extension's worker exited (code ${code})`));
    // Let the process exit while the pool idles: a worker is kept alive only while it works.
    this.#worker.unref();
    this.#listen();
  }

  /** Takes new instances. */
  get accepting(): boolean {
    return !this.#exited && !this.#closing;
  }

  /** Runs nothing and has nothing queued. */
  get idle(): boolean {
    return !this.#running && this.#queue.length === 0;
  }

  get instances(): number {
    return this.#instances.size;
  }

  /** What runs or waits here. */
  get load(): number {
    return this.#queue.length + (this.#running ? 1 : 0);
  }

  /** Invocations begun here that have not ended (running or waiting). */
  get open(): number {
    return this.#open.size;
  }

  async create(instance: ExtensionInstance, spec: InstanceSpec): Promise<void> {
    this.#instances.set(instance.id, instance);
    await this.#enqueue(instance, {
      type: "create",
      instance: instance.id,
      module: spec.module,
      namespace: spec.namespace,
      control: instance.controlBuffer,
      limits: spec.limits,
    });
  }

  async warm(): Promise<void> {
    await this.#enqueue(undefined, { type: "warm" });
    if (this.#instances.size === 0 && this.idle) void this.kill("the worker has no instances left");
  }

  invoke(instance: ExtensionInstance, message: Extract<ToWorker, { type: "invoke" }>): Promise<InvokeResult> {
    return this.#enqueue(instance, message) as Promise<InvokeResult>;
  }

  /** Whether `instance` is running here now (not merely waiting between steps). */
  isRunning(instance: ExtensionInstance): boolean {
    return this.#running?.instance === instance;
  }

  /**
   * A stop was asked for `instance`: an invocation of it that waits between steps gets a step
   * now, in which the worker sees the stop and ends it.
   */
  poke(instance: ExtensionInstance): void {
    const open = this.#open.get(instance.id);
    if (open) this.#resume(open);
  }

  /** Wakes the worker if it waits for a host call's reply (to see a stop). */
  wake(): void {
    Atomics.notify(this.#header, Call.reply);
  }

  /** Forgets an instance that runs nothing; its queued calls, if any, end as `lost`. */
  drop(instance: ExtensionInstance): void {
    if (!this.#instances.delete(instance.id)) return;
    const open = this.#open.get(instance.id);
    if (open) this.#close(open, undefined, new WorkerExitedError("the extension was stopped", false));
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const task = this.#queue[i] as Task;
      if (task.instance !== instance) continue;
      this.#queue.splice(i, 1);
      task.reject(new WorkerExitedError("the extension was stopped", true));
    }
    if (this.#exited) return;
    this.#post({ type: "drop", instance: instance.id });
    if (this.#instances.size === 0 && this.idle) void this.kill("the worker has no instances left");
  }

  /** Terminates the thread, whatever it runs. */
  async kill(reason: string): Promise<void> {
    if (this.#exited) return;
    this.#closing = true;
    this.#die(reason);
    await this.#worker.terminate();
  }

  #enqueue(instance: ExtensionInstance | undefined, message: ToWorker): Promise<InvokeResult | undefined> {
    if (this.#exited) return Promise.reject(new WorkerExitedError(this.#exited.message, true));
    return new Promise((resolve, reject) => {
      this.#queue.push({ message, instance, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#running || this.#exited || !this.#ready) return;
    const task = this.#queue.shift();
    if (!task) {
      this.#worker.unref();
      // A worker whose invocations wait is not idle: retiring it would end them.
      if (this.#open.size === 0) {
        this.idleSince = Date.now();
        this.#onIdle();
      }
      return;
    }
    this.idleSince = undefined;
    this.#running = task;
    this.#worker.ref();
    const { message } = task;
    if (message.type === "invoke" && task.instance) {
      this.#open.set(task.instance.id, {
        task,
        instance: task.instance,
        seq: message.seq,
        deadline: message.deadline,
        waiting: false,
        timer: undefined,
        next: undefined,
      });
    } else if (message.type === "resume") {
      const open = this.#open.get(message.instance);
      if (open?.next?.replies === message.replies) open.next = undefined;
      if (open) open.waiting = false;
    }
    this.#post(message);
  }

  /** Queues the next step of a waiting invocation (or adds `reply` to the one queued). */
  #resume(open: OpenInvocation, reply?: readonly [number, string]): void {
    if (this.#open.get(open.instance.id) !== open) return; // it ended meanwhile
    if (open.next) {
      if (reply) open.next.replies.push(reply);
      return;
    }
    const next = { replies: reply ? [reply] : [] };
    open.next = next;
    this.#queue.push({
      message: { type: "resume", instance: open.instance.id, seq: open.seq, replies: next.replies },
      instance: open.instance,
      // A step's result is its invocation's: `waiting` and `done` are handled in #onMessage.
      resolve: () => undefined,
      reject: () => undefined,
    });
    this.#pump();
  }

  /** Ends an open invocation: its task settles, its timer and queued steps go. */
  #close(open: OpenInvocation, result: InvokeResult | undefined, error?: Error): void {
    if (this.#open.get(open.instance.id) !== open) return;
    this.#open.delete(open.instance.id);
    clearTimeout(open.timer);
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const queued = (this.#queue[i] as Task).message;
      if (queued.type === "resume" && queued.instance === open.instance.id && queued.seq === open.seq) {
        this.#queue.splice(i, 1);
      }
    }
    if (error) open.task.reject(error);
    else open.task.resolve(result);
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  #finish(result: InvokeResult | undefined, error?: string): void {
    const task = this.#running;
    this.#running = undefined;
    if (task) {
      const open = task.instance ? this.#open.get(task.instance.id) : undefined;
      if (open && (task === open.task || task.message.type === "resume")) {
        this.#close(open, result, error ? new Error(error) : undefined);
      } else if (error) task.reject(new Error(error));
      else task.resolve(result);
    }
    this.#pump();
  }

  /** Whether `message` answers the step running now (same instance, same invocation). */
  #isCurrent(message: { readonly instance: number; readonly seq: number }): boolean {
    const running = this.#running?.message;
    return (
      (running?.type === "invoke" || running?.type === "resume") &&
      running.instance === message.instance &&
      running.seq === message.seq
    );
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case "created":
        if (this.#running?.message.type === "create") this.#finish(undefined, message.error);
        return;
      case "warmed":
        if (this.#running?.message.type === "warm") this.#finish(undefined, message.error);
        return;
      case "done":
        if (!this.#isCurrent(message)) return;
        if (message.outcome.kind === "trapped" && this.#running?.instance) this.#running.instance.poisoned = true;
        this.#finish({ outcome: message.outcome, memoryBytes: message.memoryBytes });
        return;
      case "waiting": {
        if (!this.#isCurrent(message)) return;
        this.#running = undefined;
        const open = this.#open.get(message.instance);
        if (open) this.#wait(open, message.timerMs);
        this.#pump();
        return;
      }
      case "call":
        this.#call(message);
        return;
      case "log":
        this.#instances
          .get(message.instance)
          ?.callbacks.onLog(
            message.level,
            message.message,
            message.source,
            message.line === undefined ? undefined : { line: message.line, callee: message.callee ?? "" },
          );
        return;
      case "progress":
        this.#instances.get(message.instance)?.callbacks.onProgress(message);
        return;
      case "batch":
        for (const m of message.messages) this.#onMessage(m);
        return;
    }
  }

  /** The invocation waits: its next step comes with a reply, its timer, its deadline or a stop. */
  #wait(open: OpenInvocation, timerMs: number): void {
    open.waiting = true;
    clearTimeout(open.timer);
    open.timer = undefined;
    // A stop asked for while the step ran (it may not have reached a check) is seen now.
    if (open.instance.stopAsked) {
      this.#resume(open);
      return;
    }
    let due = timerMs >= 0 ? timerMs : Number.POSITIVE_INFINITY;
    if (open.deadline !== undefined) due = Math.min(due, Math.max(0, open.deadline - Date.now()));
    if (due === Number.POSITIVE_INFINITY) return;
    // Referenced: a job that waits on a timer keeps the process alive, as a timer does in Node.
    open.timer = setTimeout(() => {
      open.timer = undefined;
      this.#resume(open);
    }, due);
  }

  /** Serves an asynchronous host call; its reply goes back in the invocation's next step. */
  #call(message: Extract<FromWorker, { type: "call" }>): void {
    const open = this.#open.get(message.instance);
    if (!open || open.seq !== message.seq) return;
    const { id } = message;
    if (message.reply !== undefined) {
      this.#resume(open, [id, message.reply]);
      return;
    }
    open.instance.callbacks.onCall(message.op, message.payload).then(
      (reply) => this.#resume(open, [id, reply]),
      (error: unknown) => this.#resume(open, [id, hostCallErrorReply("KILN_HOST_CALL_FAILED", String(error))]),
    );
  }

  /** Waits for the worker's next host call, without keeping the process alive. */
  #listen(): void {
    if (this.#exited) return;
    const wait = Atomics.waitAsync(this.#header, Call.request, this.#seen);
    if (wait.async) {
      void wait.value.then(() => {
        this.#burstStart = performance.now();
        this.#serve();
        this.#listen();
      });
    } else {
      this.#serve();
      queueMicrotask(() => this.#listen());
    }
  }

  /** Reads the call in the block (or on the port) and hands it to its instance's owner. */
  #serve(): void {
    if (this.#exited) return;
    const seq = Atomics.load(this.#header, Call.request);
    if (seq === this.#seen) return;
    this.#seen = seq;
    const id = this.#header[Call.instance] as number;
    const payloadBytes = this.#header[Call.payloadBytes] as number;
    let op: string;
    let payload: string;
    if (payloadBytes === ON_PORT) {
      let call: PortCall | undefined;
      for (;;) {
        const received = receiveMessageOnPort(this.#callPort);
        if (!received) break;
        call = received.message as PortCall;
        if (call.seq === seq) break;
      }
      if (call?.seq !== seq) return;
      ({ op, payload } = call);
    } else {
      const opBytes = this.#header[Call.opBytes] as number;
      op = this.#request.toString("utf8", 0, opBytes);
      payload = this.#request.toString("utf8", opBytes, opBytes + payloadBytes);
    }
    // The worker gave up on this call (a stop) and wrote the next while it was read: that one
    // comes with the next wake-up, and this one no longer matters.
    if (Atomics.load(this.#header, Call.request) !== seq) return;
    const asyncId = this.#header[Call.asyncId] as number;
    const invocation = this.#header[Call.invocation] as number;
    // An asynchronous call the worker gave up waiting for before it was taken went as a message.
    if (asyncId !== 0 && Atomics.compareExchange(this.#header, Call.claim, seq, -seq) !== seq) return;
    const instance = this.#instances.get(id);
    const answer =
      asyncId === 0
        ? (reply: string) => this.#answer(seq, reply)
        : (reply: string) => this.#answerQuick(seq, id, invocation, asyncId, reply);
    if (!instance) {
      answer(hostCallErrorReply("KILN_HOST_CALL_FAILED", "the calling instance is gone"));
      return;
    }
    instance.callbacks
      .onCall(op, payload)
      .then(answer, (error: unknown) => answer(hostCallErrorReply("KILN_HOST_CALL_FAILED", String(error))));
  }

  /**
   * The reply to an asynchronous call served from the block: in the block if the worker still
   * waits for it, else in the invocation's next `resume` (see `Call.claim`).
   */
  #answerQuick(seq: number, instanceId: number, invocation: number, asyncId: number, reply: string): void {
    if (this.#exited) return;
    if (Atomics.compareExchange(this.#header, Call.claim, -seq, 0) === -seq) {
      this.#answer(seq, reply);
      return;
    }
    const open = this.#open.get(instanceId);
    if (open?.seq === invocation) this.#resume(open, [asyncId, reply]);
  }

  #answer(seq: number, reply: string): void {
    // A newer call means this one was abandoned: its reply must not overwrite the block.
    if (this.#exited || seq !== this.#seen) return;
    const fits = reply.length * 3 <= CALL_AREA_BYTES || Buffer.byteLength(reply) <= CALL_AREA_BYTES;
    if (fits) {
      this.#header[Call.replyBytes] = this.#reply.write(reply, 0);
    } else {
      this.#header[Call.replyBytes] = ON_PORT;
      this.#callPort.postMessage({ seq, reply } satisfies PortReply);
    }
    Atomics.store(this.#header, Call.reply, seq);
    Atomics.notify(this.#header, Call.reply);
    // A job that calls in a loop calls again within microseconds: poll for that briefly and serve
    // it now, instead of sleeping and paying a wake-up per call. Bounded per burst, so that the
    // application's event loop gets its turn at least every BURST_MS.
    const now = performance.now();
    if (now - this.#burstStart > BURST_MS) return;
    const until = now + SERVE_SPIN_MS;
    while (performance.now() < until) {
      if (Atomics.load(this.#header, Call.request) !== seq) {
        this.#serve();
        return;
      }
    }
  }

  #die(reason: string): void {
    if (this.#exited) return;
    const exited = new WorkerExitedError(reason, true);
    this.#exited = exited;
    this.#callPort.close();
    // Ends the pending Atomics.waitAsync of #listen: nobody else will notify it now, and a waiter
    // holds its call block (and its promise) until the process exits.
    Atomics.notify(this.#header, Call.request);
    const running = this.#running;
    this.#running = undefined;
    for (const open of [...this.#open.values()]) this.#close(open, undefined, new WorkerExitedError(reason, false));
    if (running?.message.type !== "resume") running?.reject(new WorkerExitedError(reason, false));
    for (const task of this.#queue.splice(0)) task.reject(exited);
    for (const instance of this.#instances.values()) instance.exited = true;
    this.#instances.clear();
    this.#onExit();
  }
}

/**
 * The host's handle on one extension instance in a pool worker. One invocation at a time; its
 * control block (interrupt and stop) is its own, so stopping it never touches its neighbours.
 */
export class ExtensionInstance {
  /** The instance's control block, shared with its worker. */
  readonly controlBuffer = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  readonly #control = new Int32Array(this.controlBuffer);
  readonly #worker: PoolWorker;
  #seq = 0;
  /** Its worker is gone. */
  exited = false;
  /** The last invocation trapped: the instance's memory may be half-updated, so it is never reused. */
  poisoned = false;

  /** @internal Made by {@link WorkerPool.create}. */
  constructor(
    readonly id: number,
    worker: PoolWorker,
    readonly callbacks: InstanceCallbacks,
  ) {
    this.#worker = worker;
  }

  /** Its worker runs nothing now: an invocation would start at once. */
  get ready(): boolean {
    return this.#worker.idle;
  }

  /** Whether the instance must not run anything again: its worker is gone, or it trapped. */
  get unusable(): boolean {
    return this.exited || this.poisoned;
  }

  /**
   * Calls an export of the module; resolves with how it ended. Rejects with
   * {@link WorkerExitedError} if the worker dies first (`lost` when the call never started).
   */
  invoke(exportName: string, stdin?: Uint8Array, options: InvokeOptions = {}): Promise<InvokeResult> {
    if (this.exited) return Promise.reject(new WorkerExitedError("the extension's worker exited", true));
    // Reset now, not when the worker gets to it: a stop asked for while it waits must hold.
    Atomics.store(this.#control, Control.interrupt, Interrupt.none);
    Atomics.store(this.#control, Control.stop, StopReason.none);
    return this.#worker.invoke(this, {
      type: "invoke",
      instance: this.id,
      seq: ++this.#seq,
      export: exportName,
      ...(stdin ? { stdin } : {}),
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    });
  }

  /** Tells the running job what the host wants; the job sees it at its next check of `ctx.interrupted`. */
  interrupt(kind: keyof typeof Interrupt): void {
    Atomics.store(this.#control, Control.interrupt, Interrupt[kind]);
  }

  /** Stops the running code at its next interrupt check (within milliseconds), uncatchably. */
  stop(reason: StopKind): void {
    Atomics.store(this.#control, Control.stop, StopReason[reason]);
    this.#worker.wake();
    this.#worker.poke(this);
  }

  /** A stop was asked for its current invocation. */
  get stopAsked(): boolean {
    return Atomics.load(this.#control, Control.stop) !== StopReason.none;
  }

  /**
   * Ends the instance. One that runs code now is stopped the only sure way: its worker is
   * terminated, with the other instances it holds (the pool replaces it); otherwise only this
   * instance goes.
   */
  async terminate(): Promise<void> {
    if (this.exited) return;
    if (this.#worker.isRunning(this)) await this.#worker.kill("the extension was stopped");
    else this.#worker.drop(this);
    this.exited = true;
  }
}
