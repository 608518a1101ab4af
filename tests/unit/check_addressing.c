/* IP assignment and the hosts file (compat.md 7). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "main/addressing.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

START_TEST(test_auto_from_11_0_0_1) {
    bool fixed[3] = {false, false, false};
    uint32_t ips[3] = {0};
    size_t dup = 99;
    ck_assert_int_eq(addressing_assign(fixed, ips, 3, &dup), 0);
    ck_assert_uint_eq(ips[0], IP(11, 0, 0, 1));
    ck_assert_uint_eq(ips[1], IP(11, 0, 0, 2));
    ck_assert_uint_eq(ips[2], IP(11, 0, 0, 3));
}
END_TEST

START_TEST(test_skips_0_255_and_taken) {
    enum { N = 300 };
    bool fixed[N] = {false};
    uint32_t ips[N] = {0};
    /* Host 5 (in name order) owns 11.0.0.3 explicitly; the others flow around it. */
    fixed[5] = true;
    ips[5] = IP(11, 0, 0, 3);
    size_t dup = 0;
    ck_assert_int_eq(addressing_assign(fixed, ips, N, &dup), 0);
    ck_assert_uint_eq(ips[0], IP(11, 0, 0, 1));
    ck_assert_uint_eq(ips[1], IP(11, 0, 0, 2));
    ck_assert_uint_eq(ips[2], IP(11, 0, 0, 4));
    ck_assert_uint_eq(ips[5], IP(11, 0, 0, 3));
    for (size_t i = 0; i < N; i++) {
        ck_assert_uint_ne(ips[i] & 0xff, 0);
        ck_assert_uint_ne(ips[i] & 0xff, 255);
        for (size_t j = 0; j < i; j++) {
            ck_assert_uint_ne(ips[i], ips[j]);
        }
    }
    /* 11.0.0.1-254 are used up by index 253; index 254 skips 11.0.0.255 and 11.0.1.0. */
    ck_assert_uint_eq(ips[254], IP(11, 0, 1, 1));
}
END_TEST

START_TEST(test_duplicate_fixed) {
    bool fixed[3] = {true, false, true};
    uint32_t ips[3] = {IP(12, 0, 0, 1), 0, IP(12, 0, 0, 1)};
    size_t dup = 0;
    ck_assert_int_eq(addressing_assign(fixed, ips, 3, &dup), -EEXIST);
    ck_assert_uint_eq(dup, 2);
}
END_TEST

START_TEST(test_hosts_file_sorted_by_ip) {
    const char* names[3] = {"alpha", "beta", "gamma"};
    uint32_t ips[3] = {IP(11, 0, 0, 2), IP(10, 9, 0, 1), IP(11, 0, 0, 1)};
    char* text = addressing_hostsFile(names, ips, 3);
    ck_assert_str_eq(text, "127.0.0.1 localhost\n10.9.0.1 beta\n11.0.0.1 gamma\n11.0.0.2 alpha\n");
    int fd = addressing_hostsFileToMemfd(text);
    ck_assert_int_ge(fd, 0);
    char back[256] = {0};
    ck_assert_int_eq(pread(fd, back, sizeof(back) - 1, 0), (ssize_t)strlen(text));
    ck_assert_str_eq(back, text);
    close(fd);
    g_free(text);
}
END_TEST

Suite* check_addressing_suite(void) {
    Suite* s = suite_create("check_addressing");
    TCase* tc = tcase_create("assign");
    tcase_add_test(tc, test_auto_from_11_0_0_1);
    tcase_add_test(tc, test_skips_0_255_and_taken);
    tcase_add_test(tc, test_duplicate_fixed);
    tcase_add_test(tc, test_hosts_file_sorted_by_ip);
    suite_add_tcase(s, tc);
    return s;
}
