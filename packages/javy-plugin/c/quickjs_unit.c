/*
 * The QuickJS engine as one translation unit, compiled from the untouched sources of the `qjsc`
 * npm package (the build script puts them on the include path).
 *
 * Wrapping quickjs.c instead of compiling it directly lets us (1) force our rounding shim in
 * before it (kiln_fenv.h) and (2) reach internals that QuickJS 2021-03-27 does not make public
 * but the bridge needs: a module's namespace object, a promise's state, Math.random's seed.
 */
#include "kiln_fenv.h"
/* quickjs.c includes <malloc.h> (for malloc_usable_size) only on Linux; wasi-libc has it too. */
#include <malloc.h>
#include "quickjs.c"
#include "kiln_quickjs_ext.h"

JSValue kiln_module_namespace(JSContext *ctx, JSModuleDef *m)
{
    return js_get_module_ns(ctx, m);
}

int kiln_promise_state(JSContext *ctx, JSValueConst promise, JSValue *result)
{
    JSPromiseData *s = JS_GetOpaque(promise, JS_CLASS_PROMISE);
    (void)ctx;
    if (!s)
        return -1;
    if (result)
        *result = s->promise_result; /* borrowed: the promise keeps it alive */
    return (int)s->promise_state;
}

void kiln_seed_random(JSContext *ctx, uint64_t seed)
{
    ctx->random_state = seed ? seed : 1; /* xorshift64* must never hold 0 */
}

void kiln_free_unevaluated_module(JSContext *ctx, JSModuleDef *m)
{
    js_free_module_def(ctx, m);
}

/* See kiln_limit_parse_stack in kiln_quickjs_ext.h. */
static size_t parse_stack_size;

static JSValue eval_with_parse_limit(JSContext *ctx, JSValueConst this_obj, const char *input,
                                     size_t input_len, const char *filename, int flags,
                                     int scope_idx)
{
    JSRuntime *rt = ctx->rt;
    uintptr_t saved = rt->stack_limit;
    uintptr_t sp = js_get_stack_pointer();
    JSValue ret;

    if (sp > parse_stack_size && sp - parse_stack_size > saved)
        rt->stack_limit = sp - parse_stack_size;
    ret = __JS_EvalInternal(ctx, this_obj, input, input_len, filename, flags, scope_idx);
    rt->stack_limit = saved;
    return ret;
}

void kiln_limit_parse_stack(JSContext *ctx, size_t size)
{
    parse_stack_size = size;
    ctx->eval_internal = eval_with_parse_limit;
}
