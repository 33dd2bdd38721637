/*
 * Force-fed to quickjs.c (through quickjs_unit.c) so that its number formatting rounds the way
 * ECMAScript says, without editing the QuickJS sources.
 *
 * toFixed/toPrecision must round ties away from zero. QuickJS gets that from printf by switching
 * the FPU to FE_DOWNWARD/FE_UPWARD around snprintf (CONFIG_PRINTF_RNDN). WebAssembly has one
 * rounding mode only, so wasi-libc defines neither constant and its fesetround refuses them. We
 * supply the constants, remember the requested mode ourselves, and give quickjs.c an snprintf that
 * honours it for the two formats QuickJS uses under a directed mode ("%+.*e" and "%.*f").
 */
#ifndef KILN_FENV_H
#define KILN_FENV_H

#include <fenv.h>
#include <stdio.h>

#ifndef FE_DOWNWARD
#define FE_DOWNWARD 0x400
#endif
#ifndef FE_UPWARD
#define FE_UPWARD 0x800
#endif

int kiln_fesetround(int mode);
int kiln_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define fesetround kiln_fesetround
#define snprintf kiln_snprintf

#endif
