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

#endif
