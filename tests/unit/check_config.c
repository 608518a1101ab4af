/* Check suite for the configuration loader (src/main/config*.c): defaults, YAML extensions
 * (anchors, merge keys, x- fields), process fields, CLI overrides, the YAML dump round trip, and
 * every bad config in tests/configs/bad (whose first line says which message substring to expect;
 * files whose second line is "# stage: setup" need the graph and are the controller's to reject).
 */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "main/config.h"

#define CONFIG_DIR UMBRA_SOURCE_DIR "/tests/configs"

static const char* const _minimal = "general: {stop_time: 10s}\n"
                                    "network: {graph: {type: 1_gbit_switch}}\n"
                                    "hosts:\n"
                                    "  server:\n"
                                    "    network_node_id: 0\n"
                                    "    processes: [{path: /bin/true}]\n";

static Config* _load(const char* text, const ConfigOverride* ov, size_t n) {
    GError* error = NULL;
    Config* config = config_loadString("test.yaml", text, ov, n, &error);
    ck_assert_msg(config != NULL, "unexpected error: %s", error ? error->message : "?");
    return config;
}

/* Loads `text`, expecting failure; returns the message (caller g_frees). */
static char* _loadError(const char* text, const ConfigOverride* ov, size_t n) {
    GError* error = NULL;
    Config* config = config_loadString("test.yaml", text, ov, n, &error);
    ck_assert_ptr_null(config);
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_null(strchr(error->message, '\n'));
    char* msg = g_strdup(error->message);
    g_error_free(error);
    return msg;
}

static const HostConfig* _host(const Config* config, const char* name) {
    for (size_t i = 0; i < config->n_hosts; i++) {
        if (strcmp(config->hosts[i].name, name) == 0) {
            return &config->hosts[i];
        }
    }
    ck_abort_msg("no host %s", name);
    return NULL;
}

/* ---------------------------------------------------------------------------------------------- */

START_TEST(test_defaults) {
    Config* c = _load(_minimal, NULL, 0);
    ck_assert_str_eq(c->path, "test.yaml");
    ck_assert_uint_eq(c->stop_time, 10 * SIMTIME_ONE_SECOND);
    ck_assert_uint_eq(c->seed, 1);
    ck_assert_uint_eq(c->parallelism, 0);
    ck_assert_uint_eq(c->bootstrap_end_time, 0);
    ck_assert_int_eq(c->log_level, LOG_LEVEL_INFO);
    ck_assert(c->has_heartbeat_interval);
    ck_assert_uint_eq(c->heartbeat_interval, SIMTIME_ONE_SECOND);
    ck_assert_str_eq(c->data_directory, "shadow.data");
    ck_assert_ptr_null(c->template_directory);
    ck_assert(!c->progress && !c->model_unblocked_syscall_latency);
    ck_assert_int_eq(c->graph.type, GRAPH_SPEC_1_GBIT_SWITCH);
    ck_assert(c->use_shortest_path);
    ck_assert(!c->host_option_defaults.has_log_level);
    ck_assert(!c->host_option_defaults.pcap_enabled);
    ck_assert_uint_eq(c->host_option_defaults.pcap_capture_size, 65535);
    const ExperimentalConfig* e = &c->experimental;
    ck_assert(!e->use_sched_fifo && e->use_syscall_counters && e->use_object_counters);
    ck_assert(e->use_preload_libc && e->use_preload_openssl_rng && !e->use_preload_openssl_crypto);
    ck_assert(!e->use_memory_manager && e->use_cpu_pinning && e->use_worker_spinning);
    ck_assert(e->has_runahead);
    ck_assert_uint_eq(e->runahead, SIMTIME_ONE_MILLISECOND);
    ck_assert(!e->use_dynamic_runahead);
    ck_assert_uint_eq(e->socket_send_buffer, 131072);
    ck_assert_uint_eq(e->socket_recv_buffer, 174760);
    ck_assert(e->socket_send_autotune && e->socket_recv_autotune);
    ck_assert_int_eq(e->interface_qdisc, QDISC_FIFO);
    ck_assert_int_eq(e->strace_logging_mode, STRACE_OFF);
    ck_assert_uint_eq(e->max_unapplied_cpu_latency, SIMTIME_ONE_MICROSECOND);
    ck_assert_uint_eq(e->unblocked_syscall_latency, SIMTIME_ONE_MICROSECOND);
    ck_assert_uint_eq(e->unblocked_vdso_latency, 10);
    ck_assert_int_eq(e->scheduler, SCHEDULER_THREAD_PER_CORE);
    ck_assert(e->report_errors_to_stderr && !e->use_new_tcp && !e->native_preemption_enabled);
    ck_assert_uint_eq(e->native_preemption_native_interval, 100 * SIMTIME_ONE_MILLISECOND);
    ck_assert_uint_eq(e->native_preemption_sim_interval, 10 * SIMTIME_ONE_MILLISECOND);
    ck_assert_uint_eq(c->n_hosts, 1);
    const HostConfig* h = &c->hosts[0];
    ck_assert_str_eq(h->name, "server");
    ck_assert(!h->has_ip_addr && !h->has_bandwidth_down && !h->has_bandwidth_up);
    ck_assert_int_eq(h->loc.line, 4);
    ck_assert_int_eq(h->loc.column, 3);
    ck_assert_int_eq(h->node_id_loc.line, 5);
    ck_assert_str_eq(h->node_id_loc.file, "test.yaml");
    ck_assert_uint_eq(h->n_processes, 1);
    const ProcessConfig* p = &h->processes[0];
    ck_assert_str_eq(p->path, "/bin/true");
    ck_assert_ptr_null(p->args[0]);
    ck_assert_ptr_null(p->env[0]);
    ck_assert_uint_eq(p->start_time, 0);
    ck_assert(!p->has_shutdown_time);
    ck_assert_int_eq(p->shutdown_signal, SIGTERM);
    ck_assert_int_eq(p->expected_final_state.kind, FINAL_STATE_EXITED);
    ck_assert_int_eq(p->expected_final_state.value, 0);
    config_free(c);
}
END_TEST

START_TEST(test_hostname_rules) {
    char* msg = _loadError("general: {stop_time: 1}\n"
                           "network: {graph: {type: 1_gbit_switch}}\n"
                           "hosts:\n"
                           "  zeta: {network_node_id: 0, processes: []}\n"
                           "  alpha10: {network_node_id: 0, processes: []}\n"
                           "  alpha2: {network_node_id: 0, processes: []}\n"
                           "  Z: {network_node_id: 0, processes: []}\n",
                           NULL, 0);
    ck_assert_ptr_nonnull(strstr(msg, "test.yaml:7:3: hosts.Z: invalid hostname 'Z'"));
    g_free(msg);
    char* long_ok = g_strnfill(253, 'a');
    char* text = g_strdup_printf("general: {stop_time: 1}\n"
                                 "network: {graph: {type: 1_gbit_switch}}\n"
                                 "hosts: {%s: {network_node_id: 0, processes: []}}\n",
                                 long_ok);
    Config* c = _load(text, NULL, 0);
    ck_assert_str_eq(c->hosts[0].name, long_ok);
    config_free(c);
    g_free(text);
    g_free(long_ok);
}
END_TEST

START_TEST(test_hosts_order) {
    Config* c = _load("general: {stop_time: 1}\n"
                      "network: {graph: {type: 1_gbit_switch}}\n"
                      "hosts:\n"
                      "  zeta: {network_node_id: 0, processes: []}\n"
                      "  alpha10: {network_node_id: 1, processes: []}\n"
                      "  alpha2: {network_node_id: 2, processes: []}\n"
                      "  9.host: {network_node_id: 3, processes: []}\n",
                      NULL, 0);
    ck_assert_uint_eq(c->n_hosts, 4);
    ck_assert_str_eq(c->hosts[0].name, "9.host");
    ck_assert_str_eq(c->hosts[1].name, "alpha10");
    ck_assert_str_eq(c->hosts[2].name, "alpha2");
    ck_assert_str_eq(c->hosts[3].name, "zeta");
    ck_assert_uint_eq(c->hosts[2].network_node_id, 2);
    config_free(c);
}
END_TEST

/* ---------------------------------------------------------------------------------------------- */

START_TEST(test_anchors_and_merge) {
    GError* error = NULL;
    Config* c = config_load(CONFIG_DIR "/good/extensions.yaml", NULL, 0, &error);
    ck_assert_msg(c != NULL, "%s", error ? error->message : "");
    ck_assert_int_eq(c->log_level, LOG_LEVEL_WARNING);
    /* alias of a scalar anchor */
    ck_assert(c->host_option_defaults.has_log_level);
    ck_assert_int_eq(c->host_option_defaults.log_level, LOG_LEVEL_WARNING);
    ck_assert_uint_eq(c->host_option_defaults.pcap_capture_size, 1024);
    ck_assert_int_eq(c->graph.type, GRAPH_SPEC_GML_INLINE);
    ck_assert_ptr_nonnull(strstr(c->graph.inline_text, "latency \"5 ms\""));
    ck_assert(!c->use_shortest_path);
    ck_assert(!c->experimental.has_runahead);
    ck_assert_int_eq(c->experimental.interface_qdisc, QDISC_ROUND_ROBIN);
    ck_assert_int_eq(c->experimental.strace_logging_mode, STRACE_DETERMINISTIC);
    ck_assert_int_eq(c->experimental.scheduler, SCHEDULER_THREAD_PER_HOST);

    const HostConfig* beta = _host(c, "beta");
    /* host_options: `<<: *opts` merged, explicit log_level wins, default capture size copied */
    ck_assert(beta->options.pcap_enabled);
    ck_assert_int_eq(beta->options.log_level, LOG_LEVEL_TRACE);
    ck_assert_uint_eq(beta->options.pcap_capture_size, 1024);
    ck_assert_uint_eq(beta->ip_addr, (11u << 24) | 2u);
    ck_assert_uint_eq(beta->bandwidth_down, 100000000);
    ck_assert_uint_eq(beta->bandwidth_up, 50000000);
    ck_assert_uint_eq(beta->n_processes, 2);
    const ProcessConfig* p0 = &beta->processes[0];
    ck_assert_str_eq(p0->path, "/bin/sleep"); /* from the template */
    ck_assert_str_eq(p0->args[0], "5");
    ck_assert_uint_eq(p0->start_time, 3 * SIMTIME_ONE_SECOND); /* explicit key wins */
    ck_assert_uint_eq(p0->shutdown_time, 30 * SIMTIME_ONE_SECOND);
    ck_assert_int_eq(p0->shutdown_signal, SIGINT);
    ck_assert_int_eq(p0->expected_final_state.kind, FINAL_STATE_SIGNALED);
    ck_assert_int_eq(p0->expected_final_state.value, SIGINT);
    /* environment merged from an anchor, then sorted by key */
    ck_assert_str_eq(p0->env[0], "ALPHA=first");
    ck_assert_str_eq(p0->env[1], "MIDDLE=1");
    ck_assert_str_eq(p0->env[2], "ZED=last");
    ck_assert_ptr_null(p0->env[3]);
    /* a plain alias of the template */
    const ProcessConfig* p1 = &beta->processes[1];
    ck_assert_uint_eq(p1->start_time, SIMTIME_ONE_SECOND);
    ck_assert_int_eq(p1->shutdown_signal, SIGTERM);

    /* alpha: host options all from the defaults; merge list: earlier mapping wins */
    const HostConfig* alpha = _host(c, "alpha");
    ck_assert(!alpha->options.pcap_enabled);
    ck_assert_int_eq(alpha->options.log_level, LOG_LEVEL_WARNING);
    const ProcessConfig* a0 = &alpha->processes[0];
    ck_assert_str_eq(a0->args[0], "5");
    ck_assert_int_eq(a0->shutdown_signal, SIGKILL);
    ck_assert_int_eq(a0->expected_final_state.kind, FINAL_STATE_RUNNING);
    config_free(c);
}
END_TEST

START_TEST(test_extension_keys) {
    /* top-level x- keys are dropped, below the top level they are unknown keys */
    char* text = g_strdup_printf("x-anything: {whatever: [1, 2]}\n%s", _minimal);
    Config* c = _load(text, NULL, 0);
    config_free(c);
    g_free(text);
    char* msg = _loadError("general: {stop_time: 10s, x-mine: 1}\n"
                           "network: {graph: {type: 1_gbit_switch}}\n"
                           "hosts: {server: {network_node_id: 0, processes: []}}\n",
                           NULL, 0);
    ck_assert_ptr_nonnull(strstr(msg, "test.yaml:1:27: general.x-mine: unknown key"));
    g_free(msg);
}
END_TEST

START_TEST(test_duplicate_keys) {
    char* msg = _loadError("general: {stop_time: 10s}\n"
                           "network: {graph: {type: 1_gbit_switch}}\n"
                           "hosts:\n"
                           "  a: {network_node_id: 0, processes: [{path: x, path: y}]}\n",
                           NULL, 0);
    ck_assert_ptr_nonnull(strstr(msg, "hosts.a.processes[0].path: duplicate key 'path'"));
    g_free(msg);
}
END_TEST

/* ---------------------------------------------------------------------------------------------- */

static const ProcessConfig* _loadProcess(Config** out, const char* process_yaml) {
    char* text = g_strdup_printf("general: {stop_time: 1 h}\n"
                                 "network: {graph: {type: 1_gbit_switch}}\n"
                                 "hosts:\n"
                                 "  h:\n"
                                 "    network_node_id: 0\n"
                                 "    processes:\n"
                                 "    - %s\n",
                                 process_yaml);
    *out = _load(text, NULL, 0);
    g_free(text);
    return &(*out)->hosts[0].processes[0];
}

START_TEST(test_args) {
    Config* c;
    const ProcessConfig* p = _loadProcess(&c, "{path: a, args: \"  -x 'one two' \\\"q\\\" \"}");
    ck_assert_str_eq(p->args[0], "-x");
    ck_assert_str_eq(p->args[1], "one two");
    ck_assert_str_eq(p->args[2], "q");
    ck_assert_ptr_null(p->args[3]);
    config_free(c);
    p = _loadProcess(&c, "{path: a, args: ['-x', 'one two', '']}");
    ck_assert_str_eq(p->args[1], "one two");
    ck_assert_str_eq(p->args[2], "");
    ck_assert_ptr_null(p->args[3]);
    config_free(c);
    p = _loadProcess(&c, "{path: a, args: '   '}");
    ck_assert_ptr_null(p->args[0]);
    config_free(c);
}
END_TEST

START_TEST(test_environment_sorted) {
    Config* c;
    const ProcessConfig* p =
        _loadProcess(&c, "{path: a, environment: {B: '2', A_LONG: x, A: '', a: lower}}");
    ck_assert_str_eq(p->env[0], "A=");
    ck_assert_str_eq(p->env[1], "A_LONG=x");
    ck_assert_str_eq(p->env[2], "B=2");
    ck_assert_str_eq(p->env[3], "a=lower");
    ck_assert_ptr_null(p->env[4]);
    config_free(c);
}
END_TEST

START_TEST(test_tilde_path) {
    Config* c;
    g_setenv("HOME", "/home/tester", TRUE);
    const ProcessConfig* p = _loadProcess(&c, "{path: ~/bin/app}");
    ck_assert_str_eq(p->path, "/home/tester/bin/app");
    config_free(c);
    p = _loadProcess(&c, "{path: bin/~/app}");
    ck_assert_str_eq(p->path, "bin/~/app");
    config_free(c);
}
END_TEST

START_TEST(test_final_states) {
    Config* c;
    const ProcessConfig* p = _loadProcess(&c, "{path: a, expected_final_state: {signaled: 9}}");
    ck_assert_int_eq(p->expected_final_state.kind, FINAL_STATE_SIGNALED);
    ck_assert_int_eq(p->expected_final_state.value, 9);
    config_free(c);
    p = _loadProcess(&c, "{path: a, expected_final_state: {exited: 3}, shutdown_signal: SIGINT}");
    ck_assert_int_eq(p->expected_final_state.kind, FINAL_STATE_EXITED);
    ck_assert_int_eq(p->expected_final_state.value, 3);
    ck_assert_int_eq(p->shutdown_signal, SIGINT);
    config_free(c);
}
END_TEST

/* ---------------------------------------------------------------------------------------------- */

START_TEST(test_overrides) {
    const char* text = "general: {stop_time: 10s, seed: 5, heartbeat_interval: 2s}\n"
                       "network: {graph: {type: 1_gbit_switch}}\n"
                       "host_option_defaults: {pcap_enabled: false}\n"
                       "hosts:\n"
                       "  server:\n"
                       "    network_node_id: 0\n"
                       "    host_options: {log_level: debug}\n"
                       "    processes: [{path: /bin/true}]\n";
    const ConfigOverride ov[] = {
        {"general.stop_time", "20 s", "--stop-time"},
        {"general.seed", "6", "--seed"},
        {"general.seed", "7", "--seed"}, /* later wins */
        {"general.heartbeat_interval", "null", "--heartbeat-interval"},
        {"general.data_directory", "123", "--data-directory"},
        {"experimental.runahead", "null", "--runahead"}, /* no experimental section in the file */
        {"host_option_defaults.pcap_enabled", "true", "--pcap-enabled"},
        {"host_option_defaults.log_level", "error", "--host-log-level"},
        {"network.use_shortest_path", "false", "--use-shortest-path"},
    };
    Config* c = _load(text, ov, G_N_ELEMENTS(ov));
    ck_assert_uint_eq(c->stop_time, 20 * SIMTIME_ONE_SECOND);
    ck_assert_uint_eq(c->seed, 7);
    ck_assert(!c->has_heartbeat_interval);
    ck_assert_str_eq(c->data_directory, "123");
    ck_assert(!c->experimental.has_runahead);
    ck_assert(!c->use_shortest_path);
    ck_assert(c->host_option_defaults.pcap_enabled);
    /* the defaults (with overrides) reach hosts, but the host's own value wins */
    ck_assert(c->hosts[0].options.pcap_enabled);
    ck_assert_int_eq(c->hosts[0].options.log_level, LOG_LEVEL_DEBUG);
    config_free(c);
}
END_TEST

START_TEST(test_override_errors) {
    const ConfigOverride bad_time[] = {{"general.stop_time", "1.5s", "--stop-time"}};
    char* msg = _loadError(_minimal, bad_time, 1);
    ck_assert_str_eq(msg, "command line: --stop-time: invalid time '1.5s' (fractions are not "
                          "allowed; use a smaller unit, e.g. '10 ms')");
    g_free(msg);
    const ConfigOverride not_null[] = {{"general.seed", "null", "--seed"}};
    msg = _loadError(_minimal, not_null, 1);
    ck_assert_str_eq(msg, "command line: --seed: must not be null");
    g_free(msg);
    /* the stop time from the command line is checked against the file's start times */
    const ConfigOverride early[] = {{"general.stop_time", "1 ms", "--stop-time"}};
    msg = _loadError("general: {stop_time: 10s}\n"
                     "network: {graph: {type: 1_gbit_switch}}\n"
                     "hosts: {a: {network_node_id: 0, processes: [{path: x, start_time: 1s}]}}\n",
                     early, 1);
    ck_assert_ptr_nonnull(strstr(msg, "hosts.a.processes[0].start_time: Process start time "
                                      "'1 sec' must be earlier than the simulation stop time "
                                      "'1 ms'"));
    g_free(msg);
}
END_TEST

/* ---------------------------------------------------------------------------------------------- */

static void _checkRoundTrip(const char* path) {
    GError* error = NULL;
    Config* c1 = config_load(path, NULL, 0, &error);
    ck_assert_msg(c1 != NULL, "%s", error ? error->message : "");
    char* y1 = config_toYaml(c1);
    Config* c2 = config_loadString("dump.yaml", y1, NULL, 0, &error);
    ck_assert_msg(c2 != NULL, "reloading the dump of %s: %s\n%s", path, error ? error->message : "",
                  y1);
    char* y2 = config_toYaml(c2);
    ck_assert_str_eq(y1, y2);
    /* spot checks on fields that the dump text could hide */
    ck_assert_uint_eq(c1->n_hosts, c2->n_hosts);
    for (size_t i = 0; i < c1->n_hosts; i++) {
        const HostConfig* a = &c1->hosts[i];
        const HostConfig* b = &c2->hosts[i];
        ck_assert_str_eq(a->name, b->name);
        ck_assert(memcmp(&a->options, &b->options, sizeof(HostOptions)) == 0);
        ck_assert_uint_eq(a->ip_addr, b->ip_addr);
        ck_assert_uint_eq(a->n_processes, b->n_processes);
        for (size_t p = 0; p < a->n_processes; p++) {
            ck_assert_str_eq(a->processes[p].path, b->processes[p].path);
            ck_assert(g_strv_equal((const char* const*)a->processes[p].args,
                                   (const char* const*)b->processes[p].args));
            ck_assert(g_strv_equal((const char* const*)a->processes[p].env,
                                   (const char* const*)b->processes[p].env));
        }
    }
    ck_assert(memcmp(&c1->experimental, &c2->experimental, sizeof(ExperimentalConfig)) == 0);
    ck_assert_str_eq(c1->data_directory, c2->data_directory);
    ck_assert_int_eq(c1->graph.type, c2->graph.type);
    g_free(y2);
    g_free(y1);
    config_free(c2);
    config_free(c1);
}

START_TEST(test_round_trip) {
    g_setenv("HOME", "/home/tester", TRUE);
    _checkRoundTrip(CONFIG_DIR "/good/basic.yaml");
    _checkRoundTrip(CONFIG_DIR "/good/extensions.yaml");
    _checkRoundTrip(CONFIG_DIR "/good/full.yaml");
}
END_TEST

START_TEST(test_missing_file) {
    GError* error = NULL;
    Config* c = config_load(CONFIG_DIR "/does-not-exist.yaml", NULL, 0, &error);
    ck_assert_ptr_null(c);
    ck_assert_str_eq(error->message,
                     CONFIG_DIR "/does-not-exist.yaml: cannot read config file: No such file or "
                                "directory");
    g_error_free(error);
}
END_TEST

/* ---------------------------------------------------------------------------------------------- */

/* Every tests/configs/bad/NN-name.yaml: "# expect: <substring>" (and optional "# expect-also:"
 * lines) at the top; "# stage: setup" on line 2 means the controller rejects it, not the loader. */
static int _checkBadConfig(const char* dir, const char* name) {
    char* path = g_build_filename(dir, name, NULL);
    char* text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    char** lines = g_strsplit(text, "\n", 0);
    ck_assert_msg(g_str_has_prefix(lines[0], "# expect: "), "%s: no '# expect:' line", name);
    int checked = 0;
    if (lines[1] == NULL || strcmp(lines[1], "# stage: setup") != 0) {
        GError* error = NULL;
        Config* c = config_load(path, NULL, 0, &error);
        ck_assert_msg(c == NULL, "%s: loaded without error", name);
        ck_assert_msg(strchr(error->message, '\n') == NULL, "%s: multi-line message", name);
        for (int i = 0; lines[i] != NULL && g_str_has_prefix(lines[i], "# expect"); i++) {
            const char* want = strchr(lines[i], ':') + 2;
            ck_assert_msg(strstr(error->message, want) != NULL, "%s: message '%s' lacks '%s'", name,
                          error->message, want);
        }
        g_error_free(error);
        checked = 1;
    }
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    return checked;
}

START_TEST(test_bad_configs) {
    const char* dir = CONFIG_DIR "/bad";
    GDir* d = g_dir_open(dir, 0, NULL);
    ck_assert_ptr_nonnull(d);
    GPtrArray* names = g_ptr_array_new_with_free_func(g_free);
    const char* name;
    while ((name = g_dir_read_name(d)) != NULL) {
        if (g_str_has_suffix(name, ".yaml")) {
            g_ptr_array_add(names, g_strdup(name));
        }
    }
    g_dir_close(d);
    int checked = 0;
    for (guint i = 0; i < names->len; i++) {
        checked += _checkBadConfig(dir, names->pdata[i]);
    }
    ck_assert_int_ge(checked, 25);
    g_ptr_array_free(names, TRUE);
}
END_TEST

Suite* check_config_suite(void) {
    Suite* s = suite_create("check_config");
    TCase* tc = tcase_create("defaults");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_hostname_rules);
    tcase_add_test(tc, test_hosts_order);
    suite_add_tcase(s, tc);
    tc = tcase_create("yaml");
    tcase_add_test(tc, test_anchors_and_merge);
    tcase_add_test(tc, test_extension_keys);
    tcase_add_test(tc, test_duplicate_keys);
    suite_add_tcase(s, tc);
    tc = tcase_create("processes");
    tcase_add_test(tc, test_args);
    tcase_add_test(tc, test_environment_sorted);
    tcase_add_test(tc, test_tilde_path);
    tcase_add_test(tc, test_final_states);
    suite_add_tcase(s, tc);
    tc = tcase_create("overrides");
    tcase_add_test(tc, test_overrides);
    tcase_add_test(tc, test_override_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("dump");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_missing_file);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_bad_configs);
    suite_add_tcase(s, tc);
    return s;
}
