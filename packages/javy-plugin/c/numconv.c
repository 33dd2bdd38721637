/*
 * Correctly rounded number conversions for QuickJS 2021-03-27 (see kiln_numconv.h for the
 * contracts and quickjs_unit.c for how they replace QuickJS's own).
 *
 * What QuickJS got wrong:
 *
 * - Parsing an integer literal (no '.', no exponent: `30031961859790164000`, `0x...`, JSON
 *   integers, Number("..."), parseInt) went through js_strtod's integer loop, which gathers digits
 *   in a uint64_t while they fit, counts the rest as a power of the radix, and returns
 *   (double)n * pow(radix, extra): two roundings in a row, and the dropped digits lost for good.
 *   From 20 decimal digits on (n overflows past 1.8e19), about a fifth of all values came out one
 *   or more ulps off. Literals with '.' or an exponent went to strtod and were always right.
 * - Number::toString searched for the shortest digits that read back as the double by asking
 *   printf for the nearest n-digit decimal. At a power of two the gap below the double is half the
 *   gap above it, so the nearest n-digit decimal can miss while the one on the other side reads
 *   back: QuickJS then printed 17 digits where V8 prints 16 (`7.1202363472230444e-307` for V8's
 *   `7.120236347223045e-307`). Both read back as the same double, but the text differs.
 * - toString(radix) with a radix other than 10 printed every non-integer, and every integer past
 *   2^53, in base 10: `(0.5).toString(2)` was "0.5", `(2 ** 60).toString(16)` "1152921504606846976".
 *
 * musl's strtod (wasi-libc) and printf are exact, and neither looks at the rounding mode, so this
 * file leans on them for base 10. It is compiled on its own, without kiln_fenv.h, so its snprintf
 * is libc's.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_numconv.h"

/* ---- string -> number ---------------------------------------------------------------------- */

static int digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 36;
}

/* Past this many significant digits an integer is at least 2^1100 in any radix: Infinity. */
#define MAX_DIGITS 1100
/* 1100 digits of radix 36 need 1100 * log2(36) < 5688 bits. */
#define MAX_LIMBS 178

/* The double nearest to the integer whose digits (radix `radix`, first one non-zero) start at `p`:
   exact arithmetic on 32-bit limbs, then one rounding. Only for integers past 64 bits, which in
   practice means long literals: it is quadratic in the digit count (bounded by MAX_DIGITS). */
static double big_integer_to_double(const char *p, int radix)
{
    uint32_t limb[MAX_LIMBS];
    size_t used = 0, count = 0, i, w;
    unsigned bits, shift, b;
    uint64_t m;
    int c, sticky;

    for (; (c = digit_value((unsigned char)*p)) < radix; p++) {
        uint64_t carry = (uint64_t)c;
        if (++count > MAX_DIGITS)
            return INFINITY;
        for (i = 0; i < used; i++) {
            uint64_t t = (uint64_t)limb[i] * (uint64_t)radix + carry;
            limb[i] = (uint32_t)t;
            carry = t >> 32;
        }
        if (carry)
            limb[used++] = (uint32_t)carry;
    }
    if (used == 0)
        return 0;
    if (used <= 2)
        return (double)((used == 2 ? (uint64_t)limb[1] << 32 : 0) | limb[0]);

    /* The top 64 bits, with a 1 in the lowest of them if any bit below them is set: the double
       keeps 53, so that bit only tells a tie from "just above a tie", and the conversion of the
       64-bit integer rounds correctly. Scaling by a power of two is then exact. */
    bits = 32 * (unsigned)(used - 1) + (32 - (unsigned)__builtin_clz(limb[used - 1]));
    shift = bits - 64;
    w = shift / 32;
    b = shift % 32;
    if (b == 0) {
        m = (uint64_t)limb[w + 1] << 32 | limb[w];
        sticky = 0;
    } else {
        m = (uint64_t)limb[w] >> b | (uint64_t)limb[w + 1] << (32 - b);
        if (w + 2 < used)
            m |= (uint64_t)limb[w + 2] << (64 - b);
        sticky = (limb[w] & ((1u << b) - 1)) != 0;
    }
    for (i = 0; i < w && !sticky; i++)
        sticky = limb[i] != 0;
    return ldexp((double)(m | (uint64_t)sticky), (int)shift);
}

double kiln_strtod(const char *str, int radix, int is_float)
{
    const char *p = str, *first;
    uint64_t n = 0, n_max;
    int c, neg = 0;
    double d;

    if (is_float) /* radix 10 */
        return strtod(str, NULL);
    if (*p == '-') {
        neg = 1;
        p++;
    }
    while (*p == '0')
        p++;
    first = p;
    /* The common case, as QuickJS has it: while the digits fit in 64 bits, one exact integer and
       one rounding (the conversion rounds to nearest even). */
    n_max = radix == 10 ? (UINT64_MAX - 9) / 10
                        : (UINT64_MAX - (uint64_t)(radix - 1)) / (uint64_t)radix;
    for (; (c = digit_value((unsigned char)*p)) < radix; p++) {
        if (n > n_max) {
            if (radix == 10)
                return strtod(str, NULL); /* sign included */
            d = big_integer_to_double(first, radix);
            return neg ? -d : d;
        }
        n = n * (uint64_t)radix + (uint64_t)c;
    }
    d = (double)n;
    return neg ? -d : d;
}

/* ---- number -> shortest decimal ------------------------------------------------------------ */

/* The n-digit decimal nearest to x (> 0 or 0), from printf: digits and decpt as in the header. */
static void nearest_digits(double x, int n, char *digits, int *decpt)
{
    char text[40];
    char *e;

    snprintf(text, sizeof text, "%.*e", n - 1, x);
    e = strchr(text, 'e');
    digits[0] = text[0];
    if (n > 1)
        memcpy(digits + 1, text + 2, (size_t)(n - 1));
    digits[n] = '\0';
    *decpt = atoi(e + 1) + 1;
}

/* The value that 0.DIGITS x 10^decpt reads back as. */
static double read_back(const char *digits, int decpt)
{
    char text[48];
    snprintf(text, sizeof text, "0.%se%d", digits, decpt);
    return strtod(text, NULL);
}

/* Steps the n-digit decimal 0.DIGITS x 10^decpt to its neighbour above (up) or below (!up) among
   n-digit decimals. Past 99..9 it becomes 10..0 one decade up; below 10..0, 99..9 one decade
   down (where n-digit decimals are ten times denser). */
static void step_digits(char *digits, int n, int *decpt, int up)
{
    int i;
    for (i = n - 1; i >= 0; i--) {
        if (up ? digits[i] != '9' : digits[i] != '0') {
            digits[i] += up ? 1 : -1;
            break;
        }
        digits[i] = up ? '0' : '9';
    }
    if (up && i < 0) { /* 99..9 + 1 */
        digits[0] = '1';
        ++*decpt;
    } else if (!up && digits[0] == '0') { /* 10..0 - 1 = 099..9 */
        memset(digits, '9', (size_t)n);
        --*decpt;
    }
}

/* Finds an n-digit decimal that reads back as x (> 0), the nearest one if several do; 0 if none.
   Any that reads back lies within x's rounding interval, and of the n-digit decimals in it the
   nearest to x is either printf's nearest, or, when that one falls out on the narrow side (below
   a power of two the interval is half as wide as above), its neighbour on the other side. */
static int digits_that_read_back(double x, int n, char *digits, int *decpt)
{
    double back;

    nearest_digits(x, n, digits, decpt);
    back = read_back(digits, *decpt);
    if (back == x)
        return 1;
    step_digits(digits, n, decpt, back < x);
    return read_back(digits, *decpt) == x;
}

int kiln_shortest_digits(double d, char *digits, int *decpt, int *sign)
{
    char candidate[20];
    double x = fabs(d);
    int lo = 1, hi = 17, found = 0, n, cand_decpt;

    *sign = signbit(d) != 0;
    if (x == 0) {
        strcpy(digits, "0");
        *decpt = 1;
        return 1;
    }
    /* If some n-digit decimal reads back, so does an (n+1)-digit one (append a 0); 17 digits
       always do. So the shortest length can be found by bisection. */
    while (lo < hi) {
        n = lo + (hi - lo) / 2;
        if (digits_that_read_back(x, n, candidate, &cand_decpt)) {
            while (n > 1 && candidate[n - 1] == '0')
                candidate[--n] = '\0';
            hi = n;
            memcpy(digits, candidate, (size_t)n + 1);
            *decpt = cand_decpt;
            found = 1;
        } else {
            lo = n + 1;
        }
    }
    if (!found) {
        nearest_digits(x, 17, digits, decpt);
        n = 17;
        while (n > 1 && digits[n - 1] == '0')
            digits[--n] = '\0';
        return n;
    }
    return hi;
}

/* ---- number -> radix string ---------------------------------------------------------------- */

static const char radix_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";

void kiln_radix_dtoa(char *buf, double d, int radix)
{
    /* Integer digits are written leftwards from the middle, fraction digits rightwards. */
    char text[KILN_RADIX_DTOA_SIZE];
    const int middle = 1100;
    int int_pos = middle, frac_pos = middle, neg = d < 0, digit;
    double integer, fraction, delta, x = fabs(d);

    integer = floor(x);
    fraction = x - integer;
    /* Fraction digits carry information only down to half the gap to the next double. */
    delta = 0.5 * (nextafter(x, INFINITY) - x);
    if (delta < 0x1p-1074)
        delta = 0x1p-1074;
    if (fraction >= delta) {
        text[frac_pos++] = '.';
        do {
            fraction *= radix;
            delta *= radix;
            digit = (int)fraction;
            text[frac_pos++] = radix_chars[digit];
            fraction -= digit;
            /* More than half a digit left (or exactly half after an odd digit): round up, if
               rounding up still lies within the double's own precision. */
            if ((fraction > 0.5 || (fraction == 0.5 && (digit & 1))) && fraction + delta > 1) {
                for (;;) {
                    int prev;
                    frac_pos--;
                    if (frac_pos == middle) { /* carried out of the fraction */
                        integer += 1;
                        break;
                    }
                    prev = digit_value((unsigned char)text[frac_pos]);
                    if (prev + 1 < radix) {
                        text[frac_pos++] = radix_chars[prev + 1];
                        break;
                    }
                }
                break;
            }
        } while (fraction >= delta);
    }
    /* Digits below the double's 53 bits are not known: write them as 0. */
    while (integer / radix >= 0x1p53) {
        integer /= radix;
        text[--int_pos] = '0';
    }
    do {
        double rem = fmod(integer, radix);
        text[--int_pos] = radix_chars[(int)rem];
        integer = (integer - rem) / radix;
    } while (integer > 0);
    if (neg)
        text[--int_pos] = '-';
    memcpy(buf, text + int_pos, (size_t)(frac_pos - int_pos));
    buf[frac_pos - int_pos] = '\0';
}
