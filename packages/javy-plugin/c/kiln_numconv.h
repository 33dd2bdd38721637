/*
 * Number <-> string conversions that replace three of QuickJS 2021-03-27's own (see
 * quickjs_unit.c for how they are swapped in, and numconv.c for what was wrong).
 */
#ifndef KILN_NUMCONV_H
#define KILN_NUMCONV_H

/*
 * Drop-in for quickjs.c's js_strtod(str, radix, is_float): `str` is an optional '-' followed by
 * digits of `radix` (2..36) only, or, when is_float, a decimal number with '.' and/or an exponent
 * (js_atof2 never passes is_float with another radix). Returns the double nearest to the exact
 * value, ties to even, as ECMAScript's StringToNumber and V8 do.
 */
double kiln_strtod(const char *str, int radix, int is_float);

/*
 * The shortest decimal digits that read back as `d` (finite), and of those the nearest to `d`:
 * ECMAScript's Number::toString. Writes the digits (no sign, no point, NUL-terminated, at most 17
 * plus the NUL) to `digits`, sets *decpt so that |d| = 0.DIGITS x 10^*decpt and *sign to d's sign
 * bit, and returns the number of digits. Same contract as quickjs.c's js_ecvt(.., FALSE).
 */
int kiln_shortest_digits(double d, char *digits, int *decpt, int *sign);

/* Room kiln_radix_dtoa needs: sign, up to 1024 integer digits (radix 2), point, up to 1075
   fraction digits, NUL. */
#define KILN_RADIX_DTOA_SIZE 2200

/*
 * Number.prototype.toString(radix) for radix 2..36 and a finite `d`, writing the same text as V8
 * (whose algorithm ECMAScript leaves to the implementation): fraction digits until they pin the
 * double down (half the gap to the next double), rounded half to even; integer digits beyond a
 * double's 53 bits written as 0. `buf` needs KILN_RADIX_DTOA_SIZE bytes.
 */
void kiln_radix_dtoa(char *buf, double d, int radix);

#endif
