/* Units grammar (compat.md 1.2): every unit and prefix, bare numbers, and the rejections
 * (fractions, negatives, junk, wrong case, overflow). */
#include <check.h>
#include <errno.h>
#include <signal.h>

#include "lib/units.h"

typedef struct {
    const char* text;
    uint64_t expected;
} UnitCase;

static const UnitCase time_cases[] = {
    {"0", 0},
    {"7", 7000000000ULL},
    {"+3 s", 3000000000ULL},
    {"5ns", 5},
    {"5 nanosecond", 5},
    {"5 nanoseconds", 5},
    {"2 us", 2000},
    {"2 \xce\xbcs", 2000},
    {"2 microsecond", 2000},
    {"2 microseconds", 2000},
    {"10 ms", 10000000ULL},
    {"10 millisecond", 10000000ULL},
    {"10 milliseconds", 10000000ULL},
    {"1 s", 1000000000ULL},
    {"1 sec", 1000000000ULL},
    {"2 secs", 2000000000ULL},
    {"1 second", 1000000000ULL},
    {"2 seconds", 2000000000ULL},
    {"1 m", 60000000000ULL},
    {"1 min", 60000000000ULL},
    {"2 mins", 120000000000ULL},
    {"1 minute", 60000000000ULL},
    {"3 minutes", 180000000000ULL},
    {"1 h", 3600000000000ULL},
    {"1 hr", 3600000000000ULL},
    {"2 hrs", 7200000000000ULL},
    {"1 hour", 3600000000000ULL},
    {"24 hours", 86400000000000ULL},
    {"18446744073709551615 ns", UINT64_MAX},
};

START_TEST(test_time_units) {
    const UnitCase* c = &time_cases[_i];
    uint64_t v = 12345;
    ck_assert_msg(units_parseTime(c->text, &v) == 0, "'%s' rejected", c->text);
    ck_assert_msg(v == c->expected, "'%s' gave %llu", c->text, (unsigned long long)v);
}
END_TEST

static const UnitCase bw_cases[] = {
    {"8", 8},
    {"100 bit", 100},
    {"100 bits", 100},
    {"5Kbit", 5000},
    {"5 kilobit", 5000},
    {"5 Kibit", 5120},
    {"5 kibibits", 5120},
    {"10 Mbit", 10000000ULL},
    {"10 megabits", 10000000ULL},
    {"1 Mibit", 1048576ULL},
    {"1 mebibit", 1048576ULL},
    {"1 Gbit", 1000000000ULL},
    {"1 gigabit", 1000000000ULL},
    {"1 Gibit", 1073741824ULL},
    {"1 gibibit", 1073741824ULL},
    {"2 Tbit", 2000000000000ULL},
    {"2 terabits", 2000000000000ULL},
    {"1 Tibit", 1099511627776ULL},
    {"1 tebibit", 1099511627776ULL},
};

START_TEST(test_bandwidth_units) {
    const UnitCase* c = &bw_cases[_i];
    uint64_t v = 12345;
    ck_assert_msg(units_parseBandwidth(c->text, &v) == 0, "'%s' rejected", c->text);
    ck_assert_msg(v == c->expected, "'%s' gave %llu", c->text, (unsigned long long)v);
}
END_TEST

static const UnitCase byte_cases[] = {
    {"65535", 65535},
    {"65535 B", 65535},
    {"1 byte", 1},
    {"3 bytes", 3},
    {"1 KB", 1000},
    {"1 kilobyte", 1000},
    {"64 KiB", 65536},
    {"1 kibibytes", 1024},
    {"2 MB", 2000000ULL},
    {"2 megabytes", 2000000ULL},
    {"2 MiB", 2097152ULL},
    {"1 mebibyte", 1048576ULL},
    {"1 GB", 1000000000ULL},
    {"1 gigabytes", 1000000000ULL},
    {"1 GiB", 1073741824ULL},
    {"1 gibibyte", 1073741824ULL},
    {"1 TB", 1000000000000ULL},
    {"1 terabyte", 1000000000000ULL},
    {"1 TiB", 1099511627776ULL},
    {"1 tebibytes", 1099511627776ULL},
};

START_TEST(test_byte_units) {
    const UnitCase* c = &byte_cases[_i];
    uint64_t v = 12345;
    ck_assert_msg(units_parseBytes(c->text, &v) == 0, "'%s' rejected", c->text);
    ck_assert_msg(v == c->expected, "'%s' gave %llu", c->text, (unsigned long long)v);
}
END_TEST

typedef struct {
    int (*parse)(const char*, uint64_t*);
    const char* text;
    int expected_error;
} BadCase;

static const BadCase bad_cases[] = {
    {units_parseTime, "1.5 ms", -EINVAL},
    {units_parseTime, "0.5", -EINVAL},
    {units_parseTime, "-1 s", -EINVAL},
    {units_parseTime, "", -EINVAL},
    {units_parseTime, "ms", -EINVAL},
    {units_parseTime, "10 MS", -EINVAL},
    {units_parseTime, "10 Sec", -EINVAL},
    {units_parseTime, "10 parsecs", -EINVAL},
    {units_parseTime, "10 ms junk", -EINVAL},
    {units_parseTime, "1 2 s", -EINVAL},
    {units_parseTime, "1e3 s", -EINVAL},
    {units_parseTime, "0x10 s", -EINVAL},
    {units_parseTime, "18446744073709551616 ns", -ERANGE},
    {units_parseTime, "18446744073709551615 s", -ERANGE},
    {units_parseTime, "5124096 hours", -ERANGE},
    {units_parseBandwidth, "1.5 Mbit", -EINVAL},
    {units_parseBandwidth, "10 MB", -EINVAL},
    {units_parseBandwidth, "10 mbit", -EINVAL},
    {units_parseBandwidth, "10 Xbit", -EINVAL},
    {units_parseBandwidth, "10 Mbps", -EINVAL},
    {units_parseBandwidth, "20000000 Tbit", -ERANGE},
    {units_parseBytes, "1.5 KiB", -EINVAL},
    {units_parseBytes, "1 Kbit", -EINVAL},
    {units_parseBytes, "1 kib", -EINVAL},
    {units_parseBytes, "1 b", -EINVAL},
    {units_parseBytes, "99999999999 TiB", -ERANGE},
};

START_TEST(test_rejections) {
    const BadCase* c = &bad_cases[_i];
    uint64_t v = 777;
    int rv = c->parse(c->text, &v);
    ck_assert_msg(rv == c->expected_error, "'%s' gave %d, wanted %d", c->text, rv,
                  c->expected_error);
    ck_assert_msg(v == 777, "'%s' wrote its out-parameter on failure", c->text);
}
END_TEST

START_TEST(test_signals) {
    int sig = 0;
    ck_assert_int_eq(units_parseSignal("SIGTERM", &sig), 0);
    ck_assert_int_eq(sig, SIGTERM);
    ck_assert_int_eq(units_parseSignal("SIGKILL", &sig), 0);
    ck_assert_int_eq(sig, SIGKILL);
    ck_assert_int_eq(units_parseSignal("2", &sig), 0);
    ck_assert_int_eq(sig, SIGINT);
    ck_assert_int_eq(units_parseSignal("31", &sig), 0);
    ck_assert_int_eq(sig, SIGSYS);
    ck_assert_int_eq(units_parseSignal("sigterm", &sig), -EINVAL);
    ck_assert_int_eq(units_parseSignal("TERM", &sig), -EINVAL);
    ck_assert_int_eq(units_parseSignal("0", &sig), -EINVAL);
    ck_assert_int_eq(units_parseSignal("32", &sig), -EINVAL);
    ck_assert_int_eq(units_parseSignal("34", &sig), -EINVAL);
    ck_assert_int_eq(units_parseSignal("SIGRTMIN", &sig), -EINVAL);
    ck_assert_int_eq(units_parseSignal("15x", &sig), -EINVAL);
    ck_assert_str_eq(units_signalName(SIGUSR1), "SIGUSR1");
    ck_assert_ptr_null(units_signalName(40));
}
END_TEST

START_TEST(test_format_roundtrip) {
    static const uint64_t times[] = {0, 1, 1500, 10000000ULL, 1000000000ULL, 60000000000ULL,
                                     3600000000000ULL, 90000000000ULL, UINT64_MAX};
    char buf[64];
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        uint64_t back = 0;
        units_formatTime(times[i], buf, sizeof(buf));
        ck_assert_int_eq(units_parseTime(buf, &back), 0);
        ck_assert_msg(back == times[i], "%s", buf);
    }
    units_formatTime(20000000000ULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "20 sec");
    units_formatTime(10000000ULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "10 ms");
    units_formatBandwidth(1000000000ULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1 Gbit");
    units_formatBandwidth(1024, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1 Kibit");
    units_formatBytes(65535, buf, sizeof(buf));
    ck_assert_str_eq(buf, "65535 B");
    units_formatBytes(131072, buf, sizeof(buf));
    ck_assert_str_eq(buf, "128 KiB");
    uint64_t back = 0;
    ck_assert_int_eq(units_parseBytes(buf, &back), 0);
    ck_assert_uint_eq(back, 131072);
    units_formatBytes(0, buf, sizeof(buf));
    ck_assert_int_eq(units_parseBytes(buf, &back), 0);
    ck_assert_uint_eq(back, 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite* check_units_suite(void) {
    Suite* s = suite_create("check_units");
    TCase* tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_time_units, 0, N(time_cases));
    tcase_add_loop_test(tc, test_bandwidth_units, 0, N(bw_cases));
    tcase_add_loop_test(tc, test_byte_units, 0, N(byte_cases));
    tcase_add_loop_test(tc, test_rejections, 0, N(bad_cases));
    tcase_add_test(tc, test_signals);
    suite_add_tcase(s, tc);
    TCase* fmt = tcase_create("format");
    tcase_add_test(fmt, test_format_roundtrip);
    suite_add_tcase(s, fmt);
    return s;
}
