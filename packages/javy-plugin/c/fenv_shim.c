/*
 * Directed rounding for QuickJS's number formatting (see kiln_fenv.h for why).
 *
 * Under FE_UPWARD/FE_DOWNWARD we print the exact decimal expansion of the double (musl's printf
 * is exact given enough digits), then cut it to the requested precision ourselves, rounding the
 * magnitude up when the cut-off digits are not all zero and the mode points away from zero.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_fenv.h"
#undef snprintf
#undef fesetround

static int round_mode = FE_TONEAREST;

int kiln_fesetround(int mode)
{
    if (mode != FE_TONEAREST && mode != FE_DOWNWARD && mode != FE_UPWARD)
        return -1;
    round_mode = mode;
    return 0;
}

/* conv is 'e' ("%+.*e") or 'f' ("%.*f"). */
static int snprintf_directed(char *buf, size_t size, char conv, int prec, double d)
{
    /* A double's exact expansion has at most 767 significant and 1074 fraction digits;
       toFixed only formats |d| < 1e21, so 1100 fraction digits + integer part fit. */
    char exact[1500], digits[1500];
    char *dot, *cut, *end, *p;
    int neg, inexact = 0, away, exp10 = 0, len;

    if (conv == 'e')
        snprintf(exact, sizeof exact, "%+.*e", 800, d);
    else
        snprintf(exact, sizeof exact, "%.*f", 1100, d);
    dot = strchr(exact, '.');
    if (!dot || prec < 0 || prec > 200) /* not a finite number or not a QuickJS call */
        return snprintf(buf, size, conv == 'e' ? "%+.*e" : "%.*f", prec, d);
    end = conv == 'e' ? strchr(dot, 'e') : dot + strlen(dot);
    if (conv == 'e')
        exp10 = atoi(end + 1);
    cut = dot + 1 + prec;
    for (p = cut; p < end; p++)
        inexact |= *p != '0';
    neg = exact[0] == '-';
    away = inexact && ((round_mode == FE_UPWARD) != neg);

    /* digits = "1" (room for a carry) + the kept part, without its sign */
    p = exact + (exact[0] == '-' || exact[0] == '+');
    len = (int)(cut - p);
    digits[0] = '0';
    memcpy(digits + 1, p, (size_t)len);
    digits[len + 1] = '\0';
    if (away) {
        for (p = digits + len; p >= digits; p--) {
            if (*p == '.')
                continue;
            if (*p != '9') {
                (*p)++;
                break;
            }
            *p = '0';
        }
    }
    p = digits;
    if (digits[0] == '0') {
        p++; /* no carry out */
    } else if (conv == 'e') {
        /* 9.99e+N rounded up to 10.00e+N: renormalise to 1.00e+N+1 */
        digits[1] = '1';
        p++;
        exp10++;
    }
    if (prec == 0)
        p[strlen(p) - 1] = '\0'; /* printf prints no point at precision 0 */
    if (conv == 'e')
        return snprintf(buf, size, "%c%se%c%02d", neg ? '-' : '+', p, exp10 < 0 ? '-' : '+',
                        abs(exp10));
    return snprintf(buf, size, "%s%s", neg ? "-" : "", p);
}

int kiln_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    if (round_mode != FE_TONEAREST && (strcmp(fmt, "%.*f") == 0 || strcmp(fmt, "%+.*e") == 0)) {
        int prec = va_arg(ap, int);
        double d = va_arg(ap, double);
        n = snprintf_directed(buf, size, fmt[strlen(fmt) - 1], prec, d);
    } else {
        n = vsnprintf(buf, size, fmt, ap);
    }
    va_end(ap);
    return n;
}
