/* Check suite for the command line (src/main/cli.c): flags become config overrides with the right
 * keys, short and --x=y forms, CLI-only flags, and failures (unknown flag, missing value, bad
 * value, missing CONFIG) vs. successes (--help, --version, exclusive flags). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "main/cli.h"

/* Runs cli_parse on a NULL-terminated list of arguments (argv[0] is added). */
static CliResult _parse(CliOptions* out, const char* const* args) {
    char* argv[64] = {"umbra"};
    int argc = 1;
    for (int i = 0; args[i] != NULL; i++) {
        argv[argc++] = (char*)args[i];
    }
    return cli_parse(argc, argv, out);
}

static void _assertOverride(const CliOptions* o, size_t i, const char* key, const char* value,
                            const char* flag) {
    ck_assert_uint_gt(o->n_overrides, i);
    ck_assert_str_eq(o->overrides[i].key, key);
    ck_assert_str_eq(o->overrides[i].value, value);
    ck_assert_str_eq(o->overrides[i].flag, flag);
}

START_TEST(test_overrides) {
    CliOptions o;
    const char* args[] = {"--stop-time",
                          "10s",
                          "--progress",
                          "true",
                          "--use-cpu-pinning=false",
                          "--heartbeat-interval",
                          "null",
                          "--host-log-level",
                          "debug",
                          "--pcap-capture-size",
                          "1 KiB",
                          "--use-shortest-path",
                          "false",
                          "shadow.yaml",
                          NULL};
    ck_assert_int_eq(_parse(&o, args), CLI_RUN);
    ck_assert_str_eq(o.config_path, "shadow.yaml");
    ck_assert_uint_eq(o.n_overrides, 7);
    _assertOverride(&o, 0, "general.stop_time", "10s", "--stop-time");
    _assertOverride(&o, 1, "general.progress", "true", "--progress");
    _assertOverride(&o, 2, "experimental.use_cpu_pinning", "false", "--use-cpu-pinning");
    _assertOverride(&o, 3, "general.heartbeat_interval", "null", "--heartbeat-interval");
    _assertOverride(&o, 4, "host_option_defaults.log_level", "debug", "--host-log-level");
    _assertOverride(&o, 5, "host_option_defaults.pcap_capture_size", "1 KiB",
                    "--pcap-capture-size");
    _assertOverride(&o, 6, "network.use_shortest_path", "false", "--use-shortest-path");
    ck_assert(!o.gdb && !o.show_config && !o.shm_cleanup && !o.show_build_info);
    cli_clear(&o);
}
END_TEST

START_TEST(test_short_flags) {
    CliOptions o;
    const char* args[] = {"-p", "4", "-ldebug", "-d", "out", "-e", "tmpl", "-g", "-", NULL};
    ck_assert_int_eq(_parse(&o, args), CLI_RUN);
    ck_assert_str_eq(o.config_path, "-");
    /* short forms are recorded under their long name, which error messages then show */
    _assertOverride(&o, 0, "general.parallelism", "4", "--parallelism");
    _assertOverride(&o, 1, "general.log_level", "debug", "--log-level");
    _assertOverride(&o, 2, "general.data_directory", "out", "--data-directory");
    _assertOverride(&o, 3, "general.template_directory", "tmpl", "--template-directory");
    ck_assert(o.gdb);
    cli_clear(&o);
}
END_TEST

START_TEST(test_cli_only_flags) {
    CliOptions o;
    const char* args[] = {"--show-config", "--debug-hosts", "a,b.c", "--gdb", "cfg.yaml", NULL};
    ck_assert_int_eq(_parse(&o, args), CLI_RUN);
    ck_assert(o.show_config && o.gdb);
    ck_assert_str_eq(o.debug_hosts[0], "a");
    ck_assert_str_eq(o.debug_hosts[1], "b.c");
    ck_assert_ptr_null(o.debug_hosts[2]);
    ck_assert_uint_eq(o.n_overrides, 0);
    cli_clear(&o);
    const char* exclusive[] = {"--shm-cleanup", NULL};
    ck_assert_int_eq(_parse(&o, exclusive), CLI_RUN);
    ck_assert(o.shm_cleanup);
    ck_assert_ptr_null(o.config_path);
    cli_clear(&o);
    const char* build_info[] = {"--show-build-info", NULL};
    ck_assert_int_eq(_parse(&o, build_info), CLI_RUN);
    ck_assert(o.show_build_info);
    cli_clear(&o);
    const char* dashdash[] = {"--", "-weird-name.yaml", NULL};
    ck_assert_int_eq(_parse(&o, dashdash), CLI_RUN);
    ck_assert_str_eq(o.config_path, "-weird-name.yaml");
    cli_clear(&o);
}
END_TEST

START_TEST(test_help_version) {
    CliOptions o;
    const char* help[] = {"--help", NULL};
    ck_assert_int_eq(_parse(&o, help), CLI_EXIT_SUCCESS);
    cli_clear(&o);
    const char* h[] = {"-h", NULL};
    ck_assert_int_eq(_parse(&o, h), CLI_EXIT_SUCCESS);
    cli_clear(&o);
    const char* version[] = {"-V", NULL};
    ck_assert_int_eq(_parse(&o, version), CLI_EXIT_SUCCESS);
    cli_clear(&o);
    /* -h hides the experimental flags, --help shows them; both show defaults */
    char* short_help = cli_helpText(false);
    char* long_help = cli_helpText(true);
    ck_assert_ptr_null(strstr(short_help, "--use-cpu-pinning"));
    ck_assert_ptr_nonnull(strstr(long_help, "--use-cpu-pinning <bool>"));
    ck_assert_ptr_nonnull(strstr(short_help, "-p, --parallelism <N>"));
    ck_assert_ptr_nonnull(strstr(short_help, "[default: shadow.data]"));
    ck_assert_ptr_nonnull(strstr(long_help, "[default: 100 ms]"));
    g_free(short_help);
    g_free(long_help);
}
END_TEST

START_TEST(test_failures) {
    static const char* const cases[][4] = {
        {"--no-such-flag", "x.yaml", NULL},
        {"-z", "x.yaml", NULL},
        {"-p", "abc", "x.yaml", NULL},
        {"--stop-time", "1.5s", "x.yaml", NULL},
        {"--progress", "yes", "x.yaml", NULL},
        {"--seed", "4294967296", "x.yaml", NULL},
        {"--log-level", "loud", "x.yaml", NULL},
        {"--scheduler=fast", "x.yaml", NULL},
        {"--seed", NULL},              /* missing value */
        {"--gdb=yes", "x.yaml", NULL}, /* no value expected */
        {"a.yaml", "b.yaml", NULL},    /* two configs */
        {"--progress", "true", NULL},  /* missing CONFIG */
        {"--native-preemption-native-interval", "10 ns", "x.yaml", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        CliOptions o;
        ck_assert_msg(_parse(&o, cases[i]) == CLI_EXIT_FAILURE, "case %zu (%s) did not fail", i,
                      cases[i][0]);
        cli_clear(&o);
    }
}
END_TEST

START_TEST(test_override_loads) {
    /* The CLI's overrides go straight into config_loadString. */
    CliOptions o;
    const char* args[] = {"--stop-time", "3 min", "-p", "2", "cfg.yaml", NULL};
    ck_assert_int_eq(_parse(&o, args), CLI_RUN);
    GError* error = NULL;
    Config* c = config_loadString("cfg.yaml",
                                  "general: {stop_time: 1s}\n"
                                  "network: {graph: {type: 1_gbit_switch}}\n"
                                  "hosts: {h: {network_node_id: 0, processes: []}}\n",
                                  o.overrides, o.n_overrides, &error);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->stop_time, 3 * SIMTIME_ONE_MINUTE);
    ck_assert_uint_eq(c->parallelism, 2);
    config_free(c);
    cli_clear(&o);
}
END_TEST

Suite* check_cli_suite(void) {
    Suite* s = suite_create("check_cli");
    TCase* tc = tcase_create("parse");
    tcase_add_test(tc, test_overrides);
    tcase_add_test(tc, test_short_flags);
    tcase_add_test(tc, test_cli_only_flags);
    tcase_add_test(tc, test_override_loads);
    suite_add_tcase(s, tc);
    tc = tcase_create("exit");
    tcase_add_test(tc, test_help_version);
    tcase_add_test(tc, test_failures);
    suite_add_tcase(s, tc);
    return s;
}
