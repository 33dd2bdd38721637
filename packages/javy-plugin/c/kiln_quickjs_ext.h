/*
 * The QuickJS internals the bridge uses, exposed by quickjs_unit.c. Declared here so that
 * bridge.c only ever sees quickjs.h plus these.
 */
#ifndef KILN_QUICKJS_EXT_H
#define KILN_QUICKJS_EXT_H

#include <stdint.h>

#include "quickjs.h"

/* Values match QuickJS's JSPromiseStateEnum. */
enum { KILN_PROMISE_PENDING = 0, KILN_PROMISE_FULFILLED = 1, KILN_PROMISE_REJECTED = 2 };

/* The namespace object of an evaluated module (a new reference, or JS_EXCEPTION). */
JSValue kiln_module_namespace(JSContext *ctx, JSModuleDef *m);

/* -1 if `promise` is not a native promise; else its state, and (borrowed) its settled value. */
int kiln_promise_state(JSContext *ctx, JSValueConst promise, JSValue *result);

/* Math.random's state is otherwise seeded once, from the clock, when the context is made: a
   snapshot (Wizer) would then replay the same sequence in every instance. */
void kiln_seed_random(JSContext *ctx, uint64_t seed);

/* A module compiled with JS_EVAL_FLAG_COMPILE_ONLY stays registered in its context until the
   context dies; compile-src drops it after serialising, so that compiling often does not leak.
   Only for modules that were never linked or evaluated. */
void kiln_free_unevaluated_module(JSContext *ctx, JSModuleDef *m);

/* Gives every parse (JS_Eval, eval, new Function) at most `size` bytes of stack from where it
   starts, within the runtime's own limit. The parser burns several times more engine (native)
   stack than shadow stack per nesting level, so under the general limit deep nesting would
   overflow the engine's stack first: a trap instead of a SyntaxError. Code run by eval() itself
   stays under the same reduced budget. */
void kiln_limit_parse_stack(JSContext *ctx, size_t size);

/* JS_NewRuntime, with QuickJS's own allocator and a small reserve (256 KiB) beyond the memory
   limit (JS_SetMemoryLimit) for reporting the failure. QuickJS 2021-03-27 throws `null` instead of
   InternalError("out of memory") when even that error cannot be allocated; the reserve is open
   while it builds that error, and while the bridge describes an error (kiln_memory_reserve). */
JSRuntime *kiln_new_runtime(void);

/* Opens (1) or closes (0) the reserve for the bridge's own use. */
void kiln_memory_reserve(int open);

/* The memory limit: QuickJS may hold at most `bytes` (0: no limit), and its allocations may not
   grow linear memory more than `bytes` (+ the reserve) past its size now. The second bound is what
   keeps memory near the limit: freed blocks too small for the next request stay in the heap. */
void kiln_set_memory_limit(JSRuntime *rt, size_t bytes);

/* QuickJS polls for interrupts on every call and loop back-edge, and calls the interrupt handler
   once every this many polls (its JS_INTERRUPT_COUNTER_INIT; quickjs_unit.c checks they agree).
   src/abi.ts exports the same number as INSTRUCTIONS_PER_INTERRUPT. */
#define KILN_INSTRUCTIONS_PER_INTERRUPT 10000

/* Sets how many polls are left before the interrupt handler runs again. QuickJS resets the count
   to KILN_INSTRUCTIONS_PER_INTERRUPT just before it calls the handler, so a handler that sets it
   to 1 is called again at the very next poll. */
void kiln_set_interrupt_countdown(JSContext *ctx, int polls);

/* Throws what QuickJS throws when its interrupt handler says stop: InternalError("interrupted"),
   marked uncatchable (no catch or finally block runs). Returns JS_EXCEPTION. */
JSValue kiln_throw_interrupted(JSContext *ctx);

/* The JS call stack as QuickJS's `stack` property shows it ("    at f (function.mjs:3)\n" per
   frame), taken now, e.g. from the interrupt handler; JS_NULL if it could not be built. The
   innermost frame has no line number: QuickJS brings a frame's position up to date only when it
   calls or throws (it is not even set before the frame's first call), so from a poll it would be
   stale or garbage. A function without a line table shows its first line. */
JSValue kiln_capture_stack(JSContext *ctx);

/* How deep in nested functions kiln_fill_line_tables goes: it recurses once per level, and the
   parser allows deeper nesting than the engine's stack needs to spend on this. */
#define KILN_LINE_TABLE_DEPTH 1000

/* Gives every function of a module compiled with JS_EVAL_FLAG_COMPILE_ONLY (the value JS_Eval
   returned) whose code is all on its first line a line table saying so; QuickJS leaves such a
   table empty, which reads as stripped debug information, so its frames showed no line. Returns
   -1 when out of memory (the module is unchanged past that function), 0 otherwise. */
int kiln_fill_line_tables(JSContext *ctx, JSValueConst module);

/* The file name compile-src gives every module, so the file of the extension's own frames:
   BUNDLE_FILE in src/abi.ts. */
#define KILN_BUNDLE_FILE "function.mjs"

/* The line of the bundle (KILN_BUNDLE_FILE) at which a call is being made, for a log line's
   location; 0 when there is none. Called from a native: starting at the JS function that called
   it, `skip` bytecode frames are passed over (native frames are not counted), then the first
   frame of the bundle answers, so frames of the plugin's own JS (kiln:prelude, kiln:globals/...)
   are passed over too. The line is that of the frame's call in progress, as in
   kiln_capture_stack, looked up once per call site and then cached: a few frame hops per call. */
int kiln_call_site(JSContext *ctx, int skip);

/* Empties kiln_call_site's cache; to be called before another module's bytecode is read in, which
   may reuse the addresses of code freed since (a module's top-level code, once evaluated). */
void kiln_forget_call_sites(void);

/* Whether `value` is an error that JS cannot catch (the interrupted error above). */
int kiln_is_uncatchable_error(JSContext *ctx, JSValueConst value);

/* Replaces JSON.stringify and JSON.parse with versions that cannot overflow the engine's native
   stack. QuickJS 2021-03-27's serialiser recurses in C without any stack check, so a deeply
   nested value overflows V8's stack (a trap) instead of throwing; its JSON parser checks, but
   its frames cost V8 so much more than the shadow stack that the runtime's general limit comes
   too late. Both now run QuickJS's own code with at most `stringify_stack` or `parse_stack`
   bytes of stack from where they start (and at most a quarter of what is left of the runtime's
   budget). Too deep a value
   throws InternalError("stack overflow") from stringify and SyntaxError("stack overflow") from
   parse, as QuickJS's parser does. Stringify also polls for interrupts once per value. Returns -1
   (with a pending exception) if it could not install them. */
int kiln_guard_json(JSContext *ctx, size_t stringify_stack, size_t parse_stack);

#endif
