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

/* The double nearest to m * 2^shift, where m's top bit is set and `sticky` says whether any bits
   below m were dropped. The double keeps 53 of m's 64 bits, so the dropped bits only need to tell
   a tie from "just above a tie": a 1 in m's lowest bit does that, and the conversion of the 64-bit
   integer then rounds correctly, to nearest even. Scaling by a power of two is exact (an integer
   this large is far from the subnormals; past 2^1024 it is Infinity, as it should be). */
static double round_top_bits(uint64_t m, int sticky, int shift)
{
    return ldexp((double)(m | (uint64_t)(sticky != 0)), shift);
}

typedef unsigned __int128 u128;

static double u128_to_double(u128 w)
{
    uint64_t hi = (uint64_t)(w >> 64);
    int shift;

    if (hi == 0)
        return (double)(uint64_t)w; /* one rounding, to nearest even */
    shift = 64 - __builtin_clzll(hi);
    return round_top_bits((uint64_t)(w >> shift), (w & (((u128)1 << shift) - 1)) != 0, shift);
}

/* Past this many significant digits an integer is at least 2^1100 in any radix: Infinity. */
#define MAX_DIGITS 1100
/* 1100 digits of radix 36 need 1100 * log2(36) < 5688 bits. */
#define MAX_LIMBS 178

/* The double nearest to the integer whose digits (radix `radix`, first one non-zero) start at `p`:
   exact arithmetic on 32-bit limbs, then one rounding. Only for integers past 128 bits, that is,
   long literals: it is quadratic in the digit count (bounded by MAX_DIGITS). */
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
    if (used <= 2)
        return (double)((used == 2 ? (uint64_t)limb[1] << 32 : 0) | (used ? limb[0] : 0));

    /* the top 64 bits, and whether any bit below them is set */
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
    return round_top_bits(m, sticky, (int)shift);
}

/* Powers of ten that are exact doubles. */
static const double exact_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A decimal with a '.' or an exponent. When its digits, read as an integer w, fit in 53 bits and
   it is w * 10^e with |e| <= 22, both w and 10^|e| are exact doubles and one IEEE multiplication or
   division rounds the true value correctly (Clinger's fast path; wasm's f64 arithmetic is IEEE
   binary64 with no excess precision). That covers most numbers in JSON ("1234.56", "0.25",
   "1e-3"). Everything else goes to musl's strtod, which is exact. */
static double decimal_to_double(const char *str)
{
    const char *p = str;
    uint64_t w = 0;
    int neg = 0, digits = 0, e = 0, exp_neg = 0, exp_value = 0, exp_digits = 0;
    double d;

    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (w == 0 && *p == '0')
            continue; /* leading zeros */
        if (++digits > 16)
            return strtod(str, NULL);
        w = w * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            e--;
            if (w == 0 && *p == '0')
                continue;
            if (++digits > 16)
                return strtod(str, NULL);
            w = w * 10 + (uint64_t)(*p - '0');
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            exp_neg = *p++ == '-';
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++exp_digits > 4)
                return strtod(str, NULL);
            exp_value = exp_value * 10 + (*p - '0');
        }
        e += exp_neg ? -exp_value : exp_value;
    }
    if (*p != '\0') /* not a form this function knows: leave it to strtod */
        return strtod(str, NULL);
    if (w == 0)
        d = 0;
    else if (w > (UINT64_C(1) << 53) || e < -22 || e > 22)
        return strtod(str, NULL);
    else if (e < 0)
        d = (double)w / exact_pow10[-e];
    else
        d = (double)w * exact_pow10[e];
    return neg ? -d : d;
}

double kiln_strtod(const char *str, int radix, int is_float)
{
    const char *p = str, *first;
    uint64_t n = 0, n_max;
    u128 wide, wide_max;
    int c, neg = 0;
    double d;

    if (is_float) /* radix 10 */
        return decimal_to_double(str);
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
        if (n > n_max)
            goto wider;
        n = n * (uint64_t)radix + (uint64_t)c;
    }
    d = (double)n;
    return neg ? -d : d;

wider: /* up to 128 bits (38 decimal digits): still exact, then one rounding */
    wide = n;
    wide_max = radix == 10 ? (~(u128)0 - 9) / 10 /* a constant: no 128-bit division */
                           : (~(u128)0 - (u128)(radix - 1)) / (u128)radix;
    for (; (c = digit_value((unsigned char)*p)) < radix; p++) {
        if (wide > wide_max) {
            if (radix == 10)
                return strtod(str, NULL); /* sign included */
            d = big_integer_to_double(first, radix);
            return neg ? -d : d;
        }
        wide = wide * (u128)radix + (u128)c;
    }
    d = u128_to_double(wide);
    return neg ? -d : d;
}

/* ---- number -> shortest decimal ------------------------------------------------------------ */

/* The n-digit decimal nearest to x (>= 0), ties to even, from printf (musl's is exact): digits
   and decpt as in the header. */
static void nearest_digits(double x, int n, char *digits, int *decpt)
{
    char text[40];

    snprintf(text, sizeof text, "%.*e", n - 1, x);
    digits[0] = text[0];
    if (n > 1)
        memcpy(digits + 1, text + 2, (size_t)(n - 1));
    digits[n] = '\0';
    *decpt = atoi(strchr(text, 'e') + 1) + 1;
}

/* The double that the n-digit decimal 0.DIGITS x 10^decpt reads as. */
static double read_back(const char *digits, int n, int decpt)
{
    char text[48], *q = text;
    unsigned e;

    *q++ = '.';
    memcpy(q, digits, (size_t)n);
    q += n;
    *q++ = 'e';
    if (decpt < 0)
        *q++ = '-';
    e = (unsigned)(decpt < 0 ? -decpt : decpt);
    if (e >= 100)
        *q++ = (char)('0' + e / 100);
    if (e >= 10)
        *q++ = (char)('0' + e / 10 % 10);
    *q++ = (char)('0' + e % 10);
    *q = '\0';
    return strtod(text, NULL);
}

/* Steps the n-digit decimal 0.DIGITS x 10^decpt up to the next n-digit decimal (past 99..9 it
   becomes 10..0 one decade up). */
static void step_up(char *digits, int n, int *decpt)
{
    int i;
    for (i = n - 1; i >= 0 && digits[i] == '9'; i--)
        digits[i] = '0';
    if (i >= 0) {
        digits[i]++;
    } else {
        digits[0] = '1';
        ++*decpt;
    }
}

/*
 * The n-digit decimal nearest to x, from x's 17-digit one (d17, decpt17) where that is safe: if
 * the digits of d17 past the n-th are not exactly 5 then zeros, d17 and x are on the same side of
 * the n-digit tie (the tie has at most 17 digits, and x lies within half a 17-digit unit of d17),
 * so rounding d17 rounds x. Otherwise x may be anywhere around the tie: ask printf.
 */
static void round_to(double x, const char *d17, int decpt17, int n, char *digits, int *decpt)
{
    int i, rest = 0;

    for (i = n + 1; i < 17; i++)
        rest |= d17[i] != '0';
    if (d17[n] == '5' && !rest) {
        nearest_digits(x, n, digits, decpt);
        return;
    }
    memcpy(digits, d17, (size_t)n);
    digits[n] = '\0';
    *decpt = decpt17;
    if (d17[n] > '5' || (d17[n] == '5' && rest))
        step_up(digits, n, decpt);
}

int kiln_shortest_digits(double d, char *digits, int *decpt, int *sign)
{
    char d17[18], candidate[18];
    double x = fabs(d), back;
    int lo = 1, hi = 17, n, decpt17, cand_decpt, exponent;
    /*
     * Any decimal that reads back as x lies in x's rounding interval, and of the n-digit ones in
     * it the nearest to x is the n-digit decimal nearest to x, unless that one falls out on the
     * narrow side of an interval that is wider on one side: then the next one on the other side
     * may still be in. Only a power of two (a normal double with a zero fraction, above the
     * smallest normal) has such an interval: the gap below it is half the gap above. This is
     * where QuickJS's own search (printf's nearest only) gave 17 digits for V8's 16.
     */
    int lopsided = frexp(x, &exponent) == 0.5 && x > 0x1p-1022;

    *sign = signbit(d) != 0;
    if (x == 0) {
        strcpy(digits, "0");
        *decpt = 1;
        return 1;
    }
    /* 17 digits always read back. */
    nearest_digits(x, 17, d17, &decpt17);
    while (hi > 1 && d17[hi - 1] == '0')
        hi--;
    memcpy(digits, d17, (size_t)hi);
    digits[hi] = '\0';
    *decpt = decpt17;
    /* If some n-digit decimal reads back, so does an (n+1)-digit one (append a 0): bisect. */
    while (lo < hi) {
        n = lo + (hi - lo) / 2;
        round_to(x, d17, decpt17, n, candidate, &cand_decpt);
        back = read_back(candidate, n, cand_decpt);
        if (back != x && lopsided && back < x) {
            step_up(candidate, n, &cand_decpt);
            back = read_back(candidate, n, cand_decpt);
        }
        if (back == x) {
            while (n > 1 && candidate[n - 1] == '0')
                n--;
            hi = n;
            memcpy(digits, candidate, (size_t)n);
            digits[n] = '\0';
            *decpt = cand_decpt;
        } else {
            lo = n + 1;
        }
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
