/* Quantities with units (compat.md 1.2). The grammar is deliberately narrow: an optional '+',
 * decimal digits, optional whitespace, a unit. The number is an unsigned 64-bit integer, so "1.5 ms"
 * and "-1 s" are rejected rather than rounded, and the conversion to the base unit is checked for
 * overflow, so no precision is ever lost. Units are case-sensitive ("ms" is not "MS").
 *
 * Bandwidth and byte units are a prefix followed by a suffix: the suffix that matches is removed
 * first, then what is left must be a known prefix (or nothing). */
#include "lib/units.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char* name;    /* unit or prefix text */
    uint64_t multiplier; /* to the base unit */
} UnitName;

static const UnitName _units_timeNames[] = {
    {"ns", 1ULL},
    {"nanosecond", 1ULL},
    {"nanoseconds", 1ULL},
    {"us", 1000ULL},
    {"\xce\xbcs", 1000ULL}, /* "μs", U+03BC GREEK SMALL LETTER MU */
    {"\xc2\xb5s", 1000ULL}, /* "µs", U+00B5 MICRO SIGN, which keyboards produce */
    {"microsecond", 1000ULL},
    {"microseconds", 1000ULL},
    {"ms", 1000000ULL},
    {"millisecond", 1000000ULL},
    {"milliseconds", 1000000ULL},
    {"s", 1000000000ULL},
    {"sec", 1000000000ULL},
    {"secs", 1000000000ULL},
    {"second", 1000000000ULL},
    {"seconds", 1000000000ULL},
    {"m", 60000000000ULL},
    {"min", 60000000000ULL},
    {"mins", 60000000000ULL},
    {"minute", 60000000000ULL},
    {"minutes", 60000000000ULL},
    {"h", 3600000000000ULL},
    {"hr", 3600000000000ULL},
    {"hrs", 3600000000000ULL},
    {"hour", 3600000000000ULL},
    {"hours", 3600000000000ULL},
};

static const UnitName _units_prefixes[] = {
    {"", 1ULL},
    {"K", 1000ULL},
    {"kilo", 1000ULL},
    {"Ki", 1ULL << 10},
    {"kibi", 1ULL << 10},
    {"M", 1000000ULL},
    {"mega", 1000000ULL},
    {"Mi", 1ULL << 20},
    {"mebi", 1ULL << 20},
    {"G", 1000000000ULL},
    {"giga", 1000000000ULL},
    {"Gi", 1ULL << 30},
    {"gibi", 1ULL << 30},
    {"T", 1000000000000ULL},
    {"tera", 1000000000000ULL},
    {"Ti", 1ULL << 40},
    {"tebi", 1ULL << 40},
};

static const char* const _units_bitSuffixes[] = {"bits", "bit", NULL};
static const char* const _units_byteSuffixes[] = {"bytes", "byte", "B", NULL};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Splits "<+?digits><ws*><unit><ws*>" into the number and the unit text [unit, unit_end).
 * Leading whitespace is allowed too (YAML scalars are already trimmed; CLI values may not be). */
static int _units_splitNumber(const char* text, uint64_t* value, const char** unit,
                              size_t* unit_len) {
    const char* p = text;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (*p == '+') {
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        return -EINVAL;
    }
    uint64_t v = 0;
    bool overflow = false;
    while (isdigit((unsigned char)*p)) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            overflow = true;
        } else {
            v = v * 10 + digit;
        }
        p++;
    }
    while (isspace((unsigned char)*p)) {
        p++;
    }
    const char* end = p + strlen(p);
    while (end > p && isspace((unsigned char)end[-1])) {
        end--;
    }
    for (const char* q = p; q < end; q++) {
        /* A unit never contains a digit, a dot or a sign: this catches "1.5 ms" and "1 2 s". */
        if (isdigit((unsigned char)*q) || *q == '.' || *q == '-' || *q == '+' ||
            isspace((unsigned char)*q)) {
            return -EINVAL;
        }
    }
    if (overflow) {
        return -ERANGE;
    }
    *value = v;
    *unit = p;
    *unit_len = (size_t)(end - p);
    return 0;
}

static bool _units_lookup(const UnitName* table, size_t n, const char* name, size_t len,
                          uint64_t* multiplier) {
    for (size_t i = 0; i < n; i++) {
        if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0) {
            *multiplier = table[i].multiplier;
            return true;
        }
    }
    return false;
}

static int _units_scale(uint64_t value, uint64_t multiplier, uint64_t* out) {
    if (multiplier != 0 && value > UINT64_MAX / multiplier) {
        return -ERANGE;
    }
    *out = value * multiplier;
    return 0;
}

int units_parseTime(const char* text, uint64_t* nanos_out) {
    uint64_t value;
    const char* unit;
    size_t len;
    int rv = _units_splitNumber(text, &value, &unit, &len);
    if (rv != 0) {
        return rv;
    }
    uint64_t multiplier = 1000000000ULL; /* a bare number is seconds */
    if (len > 0 && !_units_lookup(_units_timeNames, N_ELEMS(_units_timeNames), unit, len,
                                  &multiplier)) {
        return -EINVAL;
    }
    return _units_scale(value, multiplier, nanos_out);
}

/* "<prefix><suffix>" for bandwidth and bytes: strip the first matching suffix, then the rest
 * must be a prefix. An empty unit is the base unit. */
static int _units_parsePrefixed(const char* text, const char* const* suffixes, uint64_t* out) {
    uint64_t value;
    const char* unit;
    size_t len;
    int rv = _units_splitNumber(text, &value, &unit, &len);
    if (rv != 0) {
        return rv;
    }
    uint64_t multiplier = 1;
    if (len > 0) {
        bool matched = false;
        for (size_t i = 0; suffixes[i] != NULL && !matched; i++) {
            size_t slen = strlen(suffixes[i]);
            if (len >= slen && strncmp(unit + len - slen, suffixes[i], slen) == 0) {
                matched = _units_lookup(_units_prefixes, N_ELEMS(_units_prefixes), unit,
                                        len - slen, &multiplier);
                if (!matched) {
                    return -EINVAL;
                }
            }
        }
        if (!matched) {
            return -EINVAL;
        }
    }
    return _units_scale(value, multiplier, out);
}

int units_parseBandwidth(const char* text, uint64_t* bits_per_sec_out) {
    return _units_parsePrefixed(text, _units_bitSuffixes, bits_per_sec_out);
}

int units_parseBytes(const char* text, uint64_t* bytes_out) {
    return _units_parsePrefixed(text, _units_byteSuffixes, bytes_out);
}

/* Standard signals 1..31, by number. */
static const char* const _units_signalNames[32] = {
    [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
    [SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
    [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
    [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",      [SIGUSR2] = "SIGUSR2",
    [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
    [SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
    [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
    [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
    [SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
    [SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",       [SIGPWR] = "SIGPWR",
    [SIGSYS] = "SIGSYS",
};

const char* units_signalName(int signo) {
    if (signo <= 0 || signo >= (int)N_ELEMS(_units_signalNames)) {
        return NULL;
    }
    return _units_signalNames[signo];
}

int units_parseSignal(const char* text, int* signo_out) {
    if (isdigit((unsigned char)text[0])) {
        uint64_t value;
        const char* unit;
        size_t len;
        if (_units_splitNumber(text, &value, &unit, &len) != 0 || len != 0 || value == 0 ||
            value >= N_ELEMS(_units_signalNames)) {
            return -EINVAL;
        }
        *signo_out = (int)value;
        return 0;
    }
    for (int sig = 1; sig < (int)N_ELEMS(_units_signalNames); sig++) {
        if (_units_signalNames[sig] != NULL && strcmp(_units_signalNames[sig], text) == 0) {
            *signo_out = sig;
            return 0;
        }
    }
    return -EINVAL;
}

/* Formatting: the first unit (largest first) that divides the value exactly. */
static const UnitName _units_timeFormat[] = {
    {"hour", 3600000000000ULL}, {"min", 60000000000ULL}, {"sec", 1000000000ULL},
    {"ms", 1000000ULL},         {"us", 1000ULL},         {"ns", 1ULL},
};

static const UnitName _units_prefixFormat[] = {
    {"Ti", 1ULL << 40}, {"T", 1000000000000ULL}, {"Gi", 1ULL << 30}, {"G", 1000000000ULL},
    {"Mi", 1ULL << 20}, {"M", 1000000ULL},       {"Ki", 1ULL << 10}, {"K", 1000ULL},
    {"", 1ULL},
};

int units_formatTime(uint64_t nanos, char* buf, size_t len) {
    if (nanos == 0) {
        return snprintf(buf, len, "0 sec");
    }
    for (size_t i = 0; i < N_ELEMS(_units_timeFormat); i++) {
        if (nanos % _units_timeFormat[i].multiplier == 0) {
            return snprintf(buf, len, "%llu %s",
                            (unsigned long long)(nanos / _units_timeFormat[i].multiplier),
                            _units_timeFormat[i].name);
        }
    }
    return -1; /* unreachable: "ns" divides everything */
}

static int _units_formatPrefixed(uint64_t value, const char* suffix, char* buf, size_t len) {
    for (size_t i = 0; i < N_ELEMS(_units_prefixFormat); i++) {
        if (value != 0 && value % _units_prefixFormat[i].multiplier == 0) {
            return snprintf(buf, len, "%llu %s%s",
                            (unsigned long long)(value / _units_prefixFormat[i].multiplier),
                            _units_prefixFormat[i].name, suffix);
        }
    }
    return snprintf(buf, len, "0 %s", suffix);
}

int units_formatBandwidth(uint64_t bits_per_sec, char* buf, size_t len) {
    return _units_formatPrefixed(bits_per_sec, "bit", buf, len);
}

int units_formatBytes(uint64_t bytes, char* buf, size_t len) {
    return _units_formatPrefixed(bytes, "B", buf, len);
}
