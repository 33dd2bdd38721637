/*
 * The QuickJS engine as one translation unit, compiled from the untouched sources of the `qjsc`
 * npm package (the build script puts them on the include path).
 *
 * Wrapping quickjs.c instead of compiling it directly lets us (1) force our rounding shim in
 * before it (kiln_fenv.h), (2) reach internals that QuickJS 2021-03-27 does not make public
 * but the bridge needs: a module's namespace object, a promise's state, Math.random's seed, the
 * interrupt countdown, the JS call stack, QuickJS's default allocator (to keep a reserve past the
 * memory limit) and JSON's serialiser (to run it under a stack check), and (3) swap its number
 * conversions for numconv.c's.
 */
#include "kiln_fenv.h"
/* quickjs.c includes <malloc.h> (for malloc_usable_size) only on Linux; wasi-libc has it too. */
#include <malloc.h>
#include "kiln_numconv.h"

/*
 * Number conversions (numconv.c says what was wrong). Three static functions of quickjs.c are
 * replaced: js_strtod (string -> number), js_ecvt (its shortest-digits mode) and js_dtoa (for
 * toString(radix)). A function-like macro renames each, and tells the definition from the calls
 * by its first argument: in the definition it is a parameter declaration, which starts with a
 * type (const, double, JSContext); in every call it is a plain identifier (buf, d, ctx). So
 *   js_strtod(const char *p, ...)  ->  quickjs_strtod(const char *p, ...)     QuickJS's, unused
 *   js_strtod(buf, ...)            ->  kiln_strtod(buf, ...)                  ours
 * KILN_IS_DECL(x) is 1 when x's first token has a KILN_DECL_ probe below, else 0.
 */
#define KILN_CAT_(a, b) a##b
#define KILN_CAT(a, b) KILN_CAT_(a, b)
#define KILN_SECOND_(a, b, ...) b
#define KILN_SECOND(...) KILN_SECOND_(__VA_ARGS__)
#define KILN_DECL_const ~, 1,
#define KILN_DECL_double ~, 1,
#define KILN_DECL_JSContext ~, 1,
#define KILN_IS_DECL(first) KILN_SECOND(KILN_CAT(KILN_DECL_, first), 0, ~)

#define js_strtod(first, ...) KILN_CAT(KILN_STRTOD_, KILN_IS_DECL(first))(first, __VA_ARGS__)
#define KILN_STRTOD_0 kiln_strtod
#define KILN_STRTOD_1 quickjs_strtod

#define js_ecvt(first, ...) KILN_CAT(KILN_ECVT_, KILN_IS_DECL(first))(first, __VA_ARGS__)
#define KILN_ECVT_0 kiln_js_ecvt
#define KILN_ECVT_1 quickjs_ecvt
static int kiln_js_ecvt(double d, int n_digits, int *decpt, int *sign, char *buf, int is_fixed);

#define js_dtoa(first, ...) KILN_CAT(KILN_DTOA_, KILN_IS_DECL(first))(first, __VA_ARGS__)
#define KILN_DTOA_0 kiln_js_dtoa
#define KILN_DTOA_1 quickjs_dtoa
#include "quickjs.h" /* for JSValue and JSContext here; quickjs.c's own include is then a no-op */
static JSValue kiln_js_dtoa(JSContext *ctx, double d, int radix, int n_digits, int flags);

/* libbf's bf_set_ui is wrong on 32-bit limbs (wasm32) for values of 2^63 and up: see below. */
#define bf_set_ui kiln_bf_set_ui

#include "quickjs.c"
#include "kiln_quickjs_ext.h"

#undef js_strtod
#undef js_ecvt
#undef js_dtoa
#undef bf_set_ui
int bf_set_ui(bf_t *r, uint64_t a); /* libbf.h's declaration was renamed with the rest */

/* ---- number conversions ------------------------------------------------------------------- */

static int kiln_js_ecvt(double d, int n_digits, int *decpt, int *sign, char *buf, int is_fixed)
{
    /* A fixed digit count (toPrecision, toExponential(n)) is printf's business, rounded by
       QuickJS with our fenv shim; only the shortest form (String(x)) is replaced. */
    if (is_fixed)
        return quickjs_ecvt(d, n_digits, decpt, sign, buf, is_fixed);
    return kiln_shortest_digits(d, buf, decpt, sign);
}

static JSValue kiln_js_dtoa(JSContext *ctx, double d, int radix, int n_digits, int flags)
{
    char buf[KILN_RADIX_DTOA_SIZE];

    /* QuickJS handles a radix other than 10 for safe integers only, and prints everything else
       in base 10. */
    if (radix != 10 && isfinite(d) && !(d == trunc(d) && fabs(d) <= MAX_SAFE_INTEGER)) {
        kiln_radix_dtoa(buf, d, radix);
        return JS_NewString(ctx, buf);
    }
    return quickjs_dtoa(ctx, d, radix, n_digits, flags);
}

/* bf_set_ui(r, a) with 32-bit limbs splits `a` into two limbs and normalises them with
   `a0 >> (32 - shift)`, shift being the leading zeros of the high limb: for a >= 2^63 that is a
   shift by 32, undefined in C, and wasm's shift takes the count mod 32, so the high limb came out
   as a1 | a0. BigUint64Array, DataView.getBigUint64 and Atomics on BigUint64Array read such
   values wrong (0x8000000000000001n read back as 0x8000000100000001n). quickjs.c's calls come
   here. libbf's own pass at most 32 bits, or exactly 2^63 (bf_set_si of INT64_MIN), whose low
   half is 0 and so comes out right. */
int kiln_bf_set_ui(bf_t *r, uint64_t a)
{
    int ret = bf_set_ui(r, a);
#if LIMB_BITS == 32
    if (ret == 0 && (a >> 63) != 0)
        r->tab[1] = (limb_t)(a >> 32); /* shift 0: the limbs are a's own halves */
#endif
    return ret;
}

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

/* ---- memory limit: a reserve for reporting ----------------------------------------------- */

/* The runtime kiln_new_runtime made, and whether the bridge asked for the reserve. */
static JSRuntime *reserve_runtime;
static int bridge_wants_reserve;

/* How far past the limit an allocation may go while the reserve is open. */
#define KILN_MEMORY_RESERVE (256 * 1024)

/* The reserve is open while QuickJS builds its out-of-memory error (else it throws `null`) and
   while the bridge describes an error for kiln-last-error. */
static BOOL reserve_is_open(void)
{
    return reserve_runtime && (reserve_runtime->in_out_of_memory || bridge_wants_reserve);
}

/* Lifts the limit by the reserve, when it is open, for one call of QuickJS's own allocator;
   returns the limit to put back afterwards. */
static size_t open_reserve(JSMallocState *s)
{
    size_t limit = s->malloc_limit;
    if (reserve_runtime && s == &reserve_runtime->malloc_state && reserve_is_open() &&
        limit <= (size_t)-1 - KILN_MEMORY_RESERVE)
        s->malloc_limit = limit + KILN_MEMORY_RESERVE;
    return limit;
}

/* Linear memory that QuickJS's allocations may grow it to (see sbrk below), and whether one of
   them is running. */
static uintptr_t memory_ceiling = UINTPTR_MAX;
static int js_allocating;

static void *reserve_malloc(JSMallocState *s, size_t size)
{
    size_t limit = open_reserve(s);
    void *p;
    js_allocating = 1;
    p = js_def_malloc(s, size);
    js_allocating = 0;
    s->malloc_limit = limit;
    return p;
}

static void *reserve_realloc(JSMallocState *s, void *ptr, size_t size)
{
    size_t limit = open_reserve(s);
    void *p;
    js_allocating = 1;
    p = js_def_realloc(s, ptr, size);
    js_allocating = 0;
    s->malloc_limit = limit;
    return p;
}

#define WASM_PAGE_SIZE 65536

/* Replaces wasi-libc's sbrk, through which its malloc (dlmalloc) grows linear memory, with the
   same contract (page multiples only; memory.size as the break) plus a ceiling for QuickJS.
   QuickJS's limit counts live bytes, but freed blocks that are too small for the next request
   stay part of the heap: an array grown by realloc to 56 MiB under a 64 MiB limit took 142 MiB
   of linear memory. With the ceiling, memory that QuickJS cannot get is an out-of-memory error
   instead. The bridge's own buffers are not held to it. */
void *sbrk(intptr_t increment)
{
    uintptr_t top = __builtin_wasm_memory_size(0) * WASM_PAGE_SIZE;
    uintptr_t ceiling = memory_ceiling;
    size_t old_pages;

    if (increment == 0)
        return (void *)top;
    if (increment < 0 || increment % WASM_PAGE_SIZE != 0)
        abort(); /* as wasi-libc's: memory never shrinks, and grows by whole pages */
    if (js_allocating && reserve_is_open() && ceiling <= UINTPTR_MAX - KILN_MEMORY_RESERVE)
        ceiling += KILN_MEMORY_RESERVE;
    if (js_allocating && (top > ceiling || (uintptr_t)increment > ceiling - top)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    old_pages = __builtin_wasm_memory_grow(0, (size_t)increment / WASM_PAGE_SIZE);
    if (old_pages == SIZE_MAX) {
        errno = ENOMEM;
        return (void *)-1;
    }
    return (void *)(old_pages * WASM_PAGE_SIZE);
}

JSRuntime *kiln_new_runtime(void)
{
    static JSMallocFunctions funcs;
    funcs = def_malloc_funcs;
    funcs.js_malloc = reserve_malloc;
    funcs.js_realloc = reserve_realloc;
    reserve_runtime = JS_NewRuntime2(&funcs, NULL);
    return reserve_runtime;
}

void kiln_memory_reserve(int open)
{
    bridge_wants_reserve = open;
}

void kiln_set_memory_limit(JSRuntime *rt, size_t bytes)
{
    uintptr_t top = __builtin_wasm_memory_size(0) * WASM_PAGE_SIZE;
    JS_SetMemoryLimit(rt, bytes ? bytes : (size_t)-1);
    memory_ceiling = bytes && bytes <= UINTPTR_MAX - top ? top + bytes : UINTPTR_MAX;
}

/* ---- interrupts -------------------------------------------------------------------------- */

_Static_assert(JS_INTERRUPT_COUNTER_INIT == KILN_INSTRUCTIONS_PER_INTERRUPT,
               "the interrupt interval is part of the ABI (INSTRUCTIONS_PER_INTERRUPT)");

void kiln_set_interrupt_countdown(JSContext *ctx, int polls)
{
    ctx->interrupt_counter = polls;
}

JSValue kiln_throw_interrupted(JSContext *ctx)
{
    JS_ThrowInternalError(ctx, "interrupted");
    JS_SetUncatchableError(ctx, ctx->rt->current_exception, TRUE);
    return JS_EXCEPTION;
}

int kiln_is_uncatchable_error(JSContext *ctx, JSValueConst value)
{
    return JS_IsUncatchableError(ctx, value);
}

/* ---- line numbers ------------------------------------------------------------------------ */

/* QuickJS writes a function's line table (pc2line) as deltas from the line the function starts
   on, and writes nothing when every opcode sits on that line: a one-line arrow, or any function
   of a bundle printed on one line. find_line_num then takes the empty table for stripped debug
   information, and the function's frames show no line at all. One entry "pc +0, line +0" (a
   single byte in QuickJS's short encoding) puts every opcode on the function's first line. */
static int fill_line_table(JSContext *ctx, JSFunctionBytecode *b, int depth)
{
    int i;

    if (depth > KILN_LINE_TABLE_DEPTH)
        return 0; /* deeper functions keep QuickJS's table: no line, as before */
    if (b->has_debug && b->debug.pc2line_len == 0 && !b->debug.pc2line_buf) {
        uint8_t *table = js_malloc(ctx, 1);
        if (!table)
            return -1;
        table[0] = PC2LINE_OP_FIRST - PC2LINE_BASE; /* (line delta - BASE) + pc delta * RANGE + FIRST */
        b->debug.pc2line_buf = table;
        b->debug.pc2line_len = 1;
    }
    for (i = 0; i < b->cpool_count; i++) {
        if (JS_VALUE_GET_TAG(b->cpool[i]) == JS_TAG_FUNCTION_BYTECODE &&
            fill_line_table(ctx, JS_VALUE_GET_PTR(b->cpool[i]), depth + 1) < 0)
            return -1;
    }
    return 0;
}

int kiln_fill_line_tables(JSContext *ctx, JSValueConst module)
{
    JSModuleDef *m;

    if (JS_VALUE_GET_TAG(module) != JS_TAG_MODULE)
        return 0;
    m = JS_VALUE_GET_PTR(module);
    if (JS_VALUE_GET_TAG(m->func_obj) != JS_TAG_FUNCTION_BYTECODE)
        return 0;
    return fill_line_table(ctx, JS_VALUE_GET_PTR(m->func_obj), 0);
}

JSValue kiln_capture_stack(JSContext *ctx)
{
    JSStackFrame *frame;
    DynBuf text;
    JSValue result;
    BOOL running = TRUE;

    js_dbuf_init(ctx, &text);
    for (frame = ctx->rt->current_stack_frame; frame; frame = frame->prev_frame, running = FALSE) {
        JSObject *fn = JS_VALUE_GET_OBJ(frame->cur_func);
        const char *name = get_func_name(ctx, frame->cur_func);
        JSFunctionBytecode *b;

        dbuf_printf(&text, "    at %s", name && name[0] ? name : "<anonymous>");
        JS_FreeCString(ctx, name);
        if (!js_class_has_bytecode(fn->class_id)) {
            dbuf_printf(&text, " (native)\n");
            continue;
        }
        b = fn->u.func.function_bytecode;
        if (b->has_debug) {
            const char *file = JS_AtomToCString(ctx, b->debug.filename);
            dbuf_printf(&text, " (%s", file ? file : "<null>");
            JS_FreeCString(ctx, file);
            /* A caller's cur_pc is its call site. The running frame's is only brought up to date
               when it calls or throws, not when it polls (and is not even set before its first
               call), so its line is left out. A function without a line table (code compiled at
               run time, all on one line) is all on its first line. */
            if (!running) {
                int line = b->debug.pc2line_buf
                               ? find_line_num(ctx, b, frame->cur_pc - b->byte_code_buf - 1)
                               : b->debug.line_num;
                if (line != -1)
                    dbuf_printf(&text, ":%d", line);
            }
            dbuf_putc(&text, ')');
        }
        dbuf_putc(&text, '\n');
        if (b->backtrace_barrier)
            break;
    }
    result = dbuf_error(&text) ? JS_NULL : JS_NewStringLen(ctx, (char *)text.buf, text.size);
    dbuf_free(&text);
    if (JS_IsException(result)) { /* out of memory: no stack, and nothing left pending */
        JS_FreeValue(ctx, JS_GetException(ctx));
        result = JS_NULL;
    }
    return result;
}

/* ---- call sites -------------------------------------------------------------------------- */

/* The bundle's file name as an atom, made on first use (one runtime per plugin instance). */
static JSAtom bundle_file = JS_ATOM_NULL;

/* Lines of call sites already looked up, by the address of the instruction after the call.
   find_line_num decodes a function's line table from its start, so its cost grows with where in
   the function the call sits, and a log call in a loop asks for the same site again and again.
   Only functions of the bundle are cached. A function's code lives while the function can run,
   but a module's top-level code is freed once evaluated, and the next module read in (invoke with
   other bytecode) may get its address: kiln_forget_call_sites empties the cache before then. */
#define CALL_SITE_CACHE_BITS 6
static struct {
    const uint8_t *pc;
    int line;
} call_site_cache[1 << CALL_SITE_CACHE_BITS];

static int call_site_line(JSContext *ctx, JSFunctionBytecode *b, const uint8_t *pc)
{
    /* Fibonacci hashing of the address: 32-bit pointers on wasm32, the top bits pick a slot. */
    uint32_t slot = ((uint32_t)(uintptr_t)pc * 2654435769u) >> (32 - CALL_SITE_CACHE_BITS);
    int line;

    if (call_site_cache[slot].pc == pc)
        return call_site_cache[slot].line;
    /* As kiln_capture_stack: the line of the call, or the function's first line without a table. */
    line = b->debug.pc2line_buf ? find_line_num(ctx, b, pc - b->byte_code_buf - 1) : b->debug.line_num;
    if (line < 0)
        line = 0;
    call_site_cache[slot].pc = pc;
    call_site_cache[slot].line = line;
    return line;
}

void kiln_forget_call_sites(void)
{
    memset(call_site_cache, 0, sizeof call_site_cache);
}

int kiln_call_site(JSContext *ctx, int skip)
{
    JSStackFrame *sf = ctx->rt->current_stack_frame;

    if (bundle_file == JS_ATOM_NULL) {
        bundle_file = JS_NewAtom(ctx, KILN_BUNDLE_FILE);
        if (bundle_file == JS_ATOM_NULL) { /* out of memory: no site, and nothing left pending */
            JS_FreeValue(ctx, JS_GetException(ctx));
            return 0;
        }
    }
    /* The innermost frame is the asking native's own; its caller is the first candidate. */
    for (sf = sf ? sf->prev_frame : NULL; sf; sf = sf->prev_frame) {
        JSFunctionBytecode *b;

        if (JS_VALUE_GET_TAG(sf->cur_func) != JS_TAG_OBJECT ||
            !js_class_has_bytecode(JS_VALUE_GET_OBJ(sf->cur_func)->class_id))
            continue; /* native frames neither count nor answer */
        b = JS_VALUE_GET_OBJ(sf->cur_func)->u.func.function_bytecode;
        if (skip > 0)
            skip--;
        else if (b->has_debug && b->debug.filename == bundle_file && sf->cur_pc)
            return call_site_line(ctx, b, sf->cur_pc);
        if (b->backtrace_barrier)
            break;
    }
    return 0;
}

/* ---- JSON with a stack check -------------------------------------------------------------- */

/* js_json_to_str calls the replacer (through js_json_check) for every value it visits, and a
   call is where QuickJS checks the stack and polls for interrupts. So the guarded stringify
   always has a replacer: the caller's function, or this identity, which changes nothing else. */
static JSValue json_identity_replacer(JSContext *ctx, JSValueConst this_val, int argc,
                                      JSValueConst *argv)
{
    return JS_DupValue(ctx, argv[1]);
}

static BOOL json_is_boxed(JSValueConst v, int class_id)
{
    return JS_VALUE_GET_TAG(v) == JS_TAG_OBJECT && JS_VALUE_GET_OBJ(v)->class_id == class_id;
}

/* The PropertyList of an array replacer: its strings, numbers and String/Number objects as
   strings, first occurrence only, in order. */
static JSValue json_property_list(JSContext *ctx, JSValueConst replacer)
{
    JSValue list, key, seen;
    int64_t len, i;
    uint32_t count = 0;

    list = JS_NewArray(ctx);
    if (JS_IsException(list))
        return list;
    if (js_get_length64(ctx, &len, replacer))
        goto fail;
    for (i = 0; i < len; i++) {
        key = JS_GetPropertyInt64(ctx, replacer, i);
        if (JS_IsException(key))
            goto fail;
        if (JS_IsNumber(key) || json_is_boxed(key, JS_CLASS_NUMBER) ||
            json_is_boxed(key, JS_CLASS_STRING)) {
            key = JS_ToStringFree(ctx, key);
            if (JS_IsException(key))
                goto fail;
        } else if (!JS_IsString(key)) {
            JS_FreeValue(ctx, key);
            continue;
        }
        seen = js_array_includes(ctx, list, 1, (JSValueConst *)&key);
        if (JS_IsException(seen)) {
            JS_FreeValue(ctx, key);
            goto fail;
        }
        if (JS_ToBoolFree(ctx, seen))
            JS_FreeValue(ctx, key);
        else if (JS_SetPropertyInt64(ctx, list, count++, key) < 0)
            goto fail;
    }
    return list;
fail:
    JS_FreeValue(ctx, list);
    return JS_EXCEPTION;
}

/* The indentation unit: up to 10 spaces for a number, the first 10 code units of a string. */
static JSValue json_gap(JSContext *ctx, JSValueConst space_arg)
{
    JSValue space = JS_DupValue(ctx, space_arg), gap;
    int width;

    if (json_is_boxed(space, JS_CLASS_NUMBER))
        space = JS_ToNumberFree(ctx, space);
    else if (json_is_boxed(space, JS_CLASS_STRING))
        space = JS_ToStringFree(ctx, space);
    if (JS_IsException(space))
        return space;
    if (JS_IsNumber(space)) {
        gap = JS_ToInt32Clamp(ctx, &width, space, 0, 10, 0)
                  ? JS_EXCEPTION
                  : JS_NewStringLen(ctx, "          ", width);
    } else if (JS_IsString(space)) {
        JSString *p = JS_VALUE_GET_STRING(space);
        gap = js_sub_string(ctx, p, 0, min_int(p->len, 10));
    } else {
        gap = JS_AtomToString(ctx, JS_ATOM_empty_string);
    }
    JS_FreeValue(ctx, space);
    return gap;
}

static size_t stringify_stack_size, parse_stack_size_json;

/* The stack limit for JSON work starting at `sp`: at most `size` bytes, and at most a quarter of
   what is left of the runtime's own budget, because QuickJS's JSON frames cost the engine's stack
   more (relative to the shadow stack) than ordinary JS calls do. */
static uintptr_t json_stack_limit(uintptr_t sp, uintptr_t limit, size_t size)
{
    size_t budget;
    if (sp <= limit)
        return limit;
    budget = (sp - limit) / 4;
    if (budget > size)
        budget = size;
    return sp - budget;
}

/* JSON.parse(text, reviver): QuickJS's own, under the JSON stack budget. Its recursion does check
   the stack (a SyntaxError "stack overflow"), but against the runtime's whole budget. */
static JSValue guarded_json_parse(JSContext *ctx, JSValueConst this_val, int argc,
                                  JSValueConst *argv)
{
    JSRuntime *rt = ctx->rt;
    uintptr_t saved_limit = rt->stack_limit;
    JSValue ret;

    rt->stack_limit = json_stack_limit(js_get_stack_pointer(), saved_limit, parse_stack_size_json);
    ret = js_json_parse(ctx, this_val, argc, argv);
    rt->stack_limit = saved_limit;
    return ret;
}

/* JSON.stringify(value, replacer, space); func_data[0] is the identity replacer. */
static JSValue guarded_json_stringify(JSContext *ctx, JSValueConst this_val, int argc,
                                      JSValueConst *argv, int magic, JSValue *func_data)
{
    JSRuntime *rt = ctx->rt;
    uintptr_t saved_limit = rt->stack_limit;
    uintptr_t sp = js_get_stack_pointer();
    JSONStringifyContext jsc;
    StringBuffer buf;
    JSValue holder = JS_UNDEFINED, root, result = JS_EXCEPTION;
    int is_array;

    jsc.replacer_func = func_data[0];
    jsc.stack = JS_UNDEFINED;
    jsc.property_list = JS_UNDEFINED;
    jsc.gap = JS_UNDEFINED;
    jsc.empty = JS_AtomToString(ctx, JS_ATOM_empty_string);
    jsc.b = &buf;
    string_buffer_init(ctx, &buf, 0);

    if (JS_IsFunction(ctx, argv[1])) {
        jsc.replacer_func = argv[1];
    } else {
        is_array = JS_IsArray(ctx, argv[1]);
        if (is_array < 0)
            goto done;
        if (is_array) {
            jsc.property_list = json_property_list(ctx, argv[1]);
            if (JS_IsException(jsc.property_list))
                goto done;
        }
    }
    jsc.gap = json_gap(ctx, argv[2]);
    if (JS_IsException(jsc.gap))
        goto done;
    jsc.stack = JS_NewArray(ctx);
    if (JS_IsException(jsc.stack))
        goto done;
    holder = JS_NewObject(ctx);
    if (JS_IsException(holder) ||
        JS_DefinePropertyValue(ctx, holder, JS_ATOM_empty_string, JS_DupValue(ctx, argv[0]),
                               JS_PROP_C_W_E) < 0)
        goto done;

    rt->stack_limit = json_stack_limit(sp, saved_limit, stringify_stack_size);
    root = js_json_check(ctx, &jsc, holder, JS_DupValue(ctx, argv[0]), jsc.empty);
    if (JS_IsUndefined(root))
        result = JS_UNDEFINED;
    else if (!JS_IsException(root) && js_json_to_str(ctx, &jsc, holder, root, jsc.empty) == 0) {
        result = string_buffer_end(&buf); /* takes the buffer */
        jsc.b = NULL;
    }
    rt->stack_limit = saved_limit;
done:
    if (jsc.b)
        string_buffer_free(&buf);
    JS_FreeValue(ctx, holder);
    JS_FreeValue(ctx, jsc.stack);
    JS_FreeValue(ctx, jsc.property_list);
    JS_FreeValue(ctx, jsc.gap);
    JS_FreeValue(ctx, jsc.empty);
    return result;
}

int kiln_guard_json(JSContext *ctx, size_t stringify_stack, size_t parse_stack)
{
    JSValue identity, stringify = JS_UNDEFINED, parse, json;
    int ret = -1;

    stringify_stack_size = stringify_stack;
    parse_stack_size_json = parse_stack;
    identity = JS_NewCFunction(ctx, json_identity_replacer, "", 2);
    if (JS_IsException(identity))
        return -1;
    stringify = JS_NewCFunctionData(ctx, guarded_json_stringify, 3, 0, 1, &identity);
    JS_FreeValue(ctx, identity);
    if (JS_IsException(stringify))
        return -1;
    /* Like the original: named "stringify", writable and configurable, not enumerable. */
    if (JS_DefinePropertyValue(ctx, stringify, JS_ATOM_name, JS_NewAtomString(ctx, "stringify"),
                               JS_PROP_CONFIGURABLE) < 0)
        goto done;
    json = JS_GetPropertyStr(ctx, ctx->global_obj, "JSON");
    if (JS_IsException(json))
        goto done;
    parse = JS_NewCFunction(ctx, guarded_json_parse, "parse", 2);
    if (!JS_IsException(parse) &&
        JS_DefinePropertyValueStr(ctx, json, "parse", parse,
                                  JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE) >= 0 &&
        JS_DefinePropertyValueStr(ctx, json, "stringify", JS_DupValue(ctx, stringify),
                                  JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE) >= 0)
        ret = 0;
    JS_FreeValue(ctx, json);
done:
    JS_FreeValue(ctx, stringify);
    return ret;
}
