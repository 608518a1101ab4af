/* Quantities with units, as Shadow's config accepts them (compat.md 1.2): an optional sign, digits,
 * optional whitespace, then a case-sensitive unit. Values are unsigned 64-bit integers: fractions,
 * negative values, junk and overflow are rejected. A bare number (no unit) is the base unit:
 * seconds, bits per second, bytes.
 *
 * All parsers return 0 on success, -EINVAL for malformed input (unknown unit, fraction, junk,
 * negative value, empty string) and -ERANGE when the value does not fit in 64 bits once converted
 * to the base unit. Out-parameters are written only on success. */
#ifndef SIM_LIB_UNITS_H_
#define SIM_LIB_UNITS_H_

#include <stddef.h>
#include <stdint.h>

/* Time: ns|nanosecond(s), us|μs|microsecond(s), ms|millisecond(s), s|sec|secs|second(s),
 * m|min|mins|minute(s), h|hr|hrs|hour(s). Result in nanoseconds. */
int units_parseTime(const char* text, uint64_t* nanos_out);

/* Bandwidth: prefix (none, K|kilo, Ki|kibi, M|mega, Mi|mebi, G|giga, Gi|gibi, T|tera, Ti|tebi)
 * followed by bit|bits. Result in bits per second. */
int units_parseBandwidth(const char* text, uint64_t* bits_per_sec_out);

/* Byte sizes: same prefixes, followed by B|byte|bytes. Result in bytes. */
int units_parseBytes(const char* text, uint64_t* bytes_out);

/* A signal by name ("SIGTERM", upper case, with the SIG prefix) or by number ("15"). Realtime
 * signals (32 and up) and unknown names are rejected with -EINVAL. */
int units_parseSignal(const char* text, int* signo_out);

/* "SIGTERM" for 15; NULL for numbers that are not standard signals. Borrowed static string. */
const char* units_signalName(int signo);

/* Canonical text of a quantity, using the largest unit that represents it exactly
 * ("10 ms", "1 Gbit", "64 KiB", "0 sec"). Writes at most `len` bytes including the NUL;
 * returns the length snprintf would have written. */
int units_formatTime(uint64_t nanos, char* buf, size_t len);
int units_formatBandwidth(uint64_t bits_per_sec, char* buf, size_t len);
int units_formatBytes(uint64_t bytes, char* buf, size_t len);

#endif
