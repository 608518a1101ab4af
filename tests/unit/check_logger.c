/* The log line format (compat.md 3.2) and per-host buffering. */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "lib/logger.h"

static char* _capture(void (*body)(void)) {
    char* text = NULL;
    size_t len = 0;
    FILE* mem = open_memstream(&text, &len);
    logger_init(mem, LOG_LEVEL_INFO);
    body();
    logger_flush();
    logger_init(stdout, LOG_LEVEL_INFO);
    fclose(mem);
    return text;
}

static void _plainRecord(void) {
    log_info("hello %d", 42);
    log_debug("not shown at info");
}

START_TEST(test_format_outside_host) {
    char* out = _capture(_plainRecord);
    regex_t re;
    ck_assert_int_eq(regcomp(&re,
                             "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} \\[[0-9]+:umbra\\] n/a \\[INFO\\] "
                             "\\[n/a\\] \\[check_logger\\.c:[0-9]+\\] \\[_plainRecord\\] hello 42\n$",
                             REG_EXTENDED),
                     0);
    ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "got: %s", out);
    regfree(&re);
    free(out);
}
END_TEST

static void _hostRecords(void) {
    LogContext ctx = {.host_name = "server", .host_ip = "11.0.0.1", .level = LOG_LEVEL_DEBUG,
                      .now = 90 * 1000000000ULL + 5};
    logger_setContext(&ctx);
    log_debug("buffered");
    logger_setContext(NULL);
    log_info("direct");
    logger_clearContext(&ctx);
}

START_TEST(test_host_context_buffered_and_level) {
    char* out = _capture(_hostRecords);
    /* The host's debug level applies while it is active; its record is held until flushed, so
     * the direct record comes first. */
    char* direct = strstr(out, "direct");
    char* buffered = strstr(out, "00:01:30.000000005 [DEBUG] [server:11.0.0.1]");
    ck_assert_msg(direct != NULL && buffered != NULL, "got: %s", out);
    ck_assert_msg(direct < buffered, "host record was not held back: %s", out);
    free(out);
}
END_TEST

START_TEST(test_levels) {
    LogLevel l;
    ck_assert_int_eq(logger_parseLevel("warning", &l), 0);
    ck_assert_int_eq(l, LOG_LEVEL_WARNING);
    ck_assert_int_eq(logger_parseLevel("WARN", &l), -22);
    ck_assert_str_eq(logger_levelName(LOG_LEVEL_TRACE), "trace");
}
END_TEST

Suite* check_logger_suite(void) {
    Suite* s = suite_create("check_logger");
    TCase* tc = tcase_create("format");
    tcase_add_test(tc, test_format_outside_host);
    tcase_add_test(tc, test_host_context_buffered_and_level);
    tcase_add_test(tc, test_levels);
    suite_add_tcase(s, tc);
    return s;
}
