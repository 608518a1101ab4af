/* The round scheduler: idle-time skipping, stop time, cross-host delivery clamped to the window
 * end, worker count capping, and determinism of a synthetic 120-host workload (event traces and
 * per-host logs) across worker counts and runs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "host/task.h"
#include "host/worker.h"
#include "lib/logger.h"
#include "lib/rng.h"
#include "main/scheduler.h"
/* Not a check_*.c file, so the glob does not compile it on its own. */
#include "synthetic_workload.c"

static Host** _make_hosts(size_t n, SimTime stop_time) {
    Host** hosts = calloc(n, sizeof(*hosts));
    for (size_t i = 0; i < n; i++) {
        char name[24]; /* "h" and any size_t: gcc -O0 checks the full range */
        snprintf(name, sizeof(name), "h%zu", i);
        HostParams p = {
            .id = (HostId)i,
            .name = name,
            .ip = 0x0b000001u + (uint32_t)i,
            .rng_seed = rng_hostSeed(1, name),
            .log_level = LOG_LEVEL_INFO,
            .stop_time = stop_time,
        };
        hosts[i] = host_new(&p);
    }
    return hosts;
}

static void _free_hosts(Host** hosts, size_t n) {
    for (size_t i = 0; i < n; i++) {
        host_free(hosts[i]);
    }
    free(hosts);
}

typedef struct {
    SimTime starts[64]; /* round starts */
    SimTime ends[64];   /* round ends */
    int n;              /* rounds seen */
} Rounds;

static void _on_round(SimTime start, SimTime end, void* user) {
    Rounds* r = user;
    if (r->n < 64) {
        r->starts[r->n] = start;
        r->ends[r->n] = end;
    }
    r->n++;
}

typedef struct {
    SimTime ran_at[16]; /* times the task ran */
    int n;              /* runs */
} Runs;

static void _mark(Host* host, void* object, void* argument) {
    Runs* runs = object;
    runs->ran_at[runs->n++] = worker_getCurrentTime();
}

/* ---- rounds --------------------------------------------------------------------------------- */

START_TEST(test_idle_time_skipped) {
    Host** hosts = _make_hosts(3, 30 * SIMTIME_ONE_SECOND);
    Runs runs = {.n = 0};
    Task* t = task_new(_mark, &runs, NULL, NULL, NULL);
    ck_assert(host_scheduleTaskAtTime(hosts[0], t, 0));
    ck_assert(host_scheduleTaskAtTime(hosts[2], t, 10 * SIMTIME_ONE_SECOND));
    ck_assert(host_scheduleTaskAtTime(hosts[1], t, 20 * SIMTIME_ONE_SECOND + 5));
    Scheduler* s = scheduler_new(hosts, 3, 2, SIMTIME_ONE_MILLISECOND, 30 * SIMTIME_ONE_SECOND);
    Rounds r = {.n = 0};
    scheduler_run(s, _on_round, &r);
    ck_assert_uint_eq(scheduler_getRoundCount(s), 3);
    ck_assert_uint_eq(scheduler_getEventCount(s), 3);
    ck_assert_int_eq(r.n, 3);
    ck_assert_uint_eq(r.starts[0], 0);
    ck_assert_uint_eq(r.ends[0], SIMTIME_ONE_MILLISECOND);
    ck_assert_uint_eq(r.starts[1], 10 * SIMTIME_ONE_SECOND);
    ck_assert_uint_eq(r.starts[2], 20 * SIMTIME_ONE_SECOND + 5);
    ck_assert_uint_eq(r.ends[2], 20 * SIMTIME_ONE_SECOND + 5 + SIMTIME_ONE_MILLISECOND);
    ck_assert_int_eq(runs.n, 3);
    scheduler_free(s);
    task_unref(t);
    _free_hosts(hosts, 3);
}
END_TEST

typedef struct {
    Runs runs;        /* timer firings */
    SimTime period;   /* re-arm interval */
} Ticker;

static void _tick(Host* host, void* object, void* argument) {
    Ticker* tk = object;
    tk->runs.ran_at[tk->runs.n++] = worker_getCurrentTime();
    Task* again = task_new(_tick, tk, NULL, NULL, NULL);
    host_scheduleTaskWithDelay(host, again, tk->period);
    task_unref(again);
}

START_TEST(test_stop_time) {
    SimTime stop = 10 * SIMTIME_ONE_MILLISECOND;
    Host** hosts = _make_hosts(2, stop);
    Ticker tk = {.runs = {.n = 0}, .period = 3 * SIMTIME_ONE_MILLISECOND};
    Task* t = task_new(_tick, &tk, NULL, NULL, NULL);
    ck_assert(host_scheduleTaskAtTime(hosts[1], t, SIMTIME_ONE_MILLISECOND));
    ck_assert(!host_scheduleTaskAtTime(hosts[0], t, stop));
    Scheduler* s = scheduler_new(hosts, 2, 1, 4 * SIMTIME_ONE_MILLISECOND, stop);
    Rounds r = {.n = 0};
    scheduler_run(s, _on_round, &r);
    /* Fires at 1, 4, 7 ms; the one at 10 ms is never queued. */
    ck_assert_int_eq(tk.runs.n, 3);
    ck_assert_uint_eq(tk.runs.ran_at[2], 7 * SIMTIME_ONE_MILLISECOND);
    ck_assert_uint_eq(host_getNextEventTime(hosts[1]), SIMTIME_INVALID);
    /* Rounds [1, 5) ms (fires at 1 and 4) and [7, 10) ms (the window is cut at the stop time). */
    ck_assert_int_eq(r.n, 2);
    ck_assert_uint_eq(r.starts[1], 7 * SIMTIME_ONE_MILLISECOND);
    ck_assert_uint_eq(r.ends[1], stop);
    ck_assert_uint_le(r.ends[r.n - 1], stop);
    scheduler_free(s);
    task_unref(t);
    _free_hosts(hosts, 2);
}
END_TEST

START_TEST(test_window_clamped_to_stop_time) {
    SimTime stop = 10 * SIMTIME_ONE_MILLISECOND;
    Host** hosts = _make_hosts(1, stop);
    Runs runs = {.n = 0};
    Task* t = task_new(_mark, &runs, NULL, NULL, NULL);
    ck_assert(host_scheduleTaskAtTime(hosts[0], t, stop - 1));
    Scheduler* s = scheduler_new(hosts, 1, 1, SIMTIME_ONE_SECOND, stop);
    Rounds r = {.n = 0};
    scheduler_run(s, _on_round, &r);
    ck_assert_int_eq(r.n, 1);
    ck_assert_uint_eq(r.ends[0], stop);
    ck_assert_int_eq(runs.n, 1);
    scheduler_free(s);
    task_unref(t);
    _free_hosts(hosts, 1);
}
END_TEST

typedef struct {
    Runs received;   /* on host 1 */
    int sent_ok;     /* worker_sendRemoteEvent results */
} PingState;

static void _ping_receive(Host* host, void* object, void* argument) {
    PingState* ps = object;
    ck_assert_uint_eq(host_getId(host), 1);
    ps->received.ran_at[ps->received.n++] = worker_getCurrentTime();
}

static void _ping_send(Host* host, void* object, void* argument) {
    PingState* ps = object;
    Task* rx = task_new(_ping_receive, ps, NULL, NULL, NULL);
    ps->sent_ok += worker_sendRemoteEvent(host, 1, rx, worker_getCurrentTime() + 1);
    /* Past the stop time: dropped. */
    ps->sent_ok += worker_sendRemoteEvent(host, 1, rx, SIMTIME_ONE_SECOND);
    task_unref(rx);
}

START_TEST(test_cross_host_clamped_to_window_end) {
    Host** hosts = _make_hosts(2, SIMTIME_ONE_SECOND);
    PingState ps = {.received = {.n = 0}, .sent_ok = 0};
    Task* t = task_new(_ping_send, &ps, NULL, NULL, NULL);
    ck_assert(host_scheduleTaskAtTime(hosts[0], t, 100));
    Scheduler* s = scheduler_new(hosts, 2, 2, SIMTIME_ONE_MILLISECOND, SIMTIME_ONE_SECOND);
    Rounds r = {.n = 0};
    scheduler_run(s, _on_round, &r);
    ck_assert_int_eq(ps.sent_ok, 1);
    ck_assert_int_eq(ps.received.n, 1);
    /* Sent at 100 ns with 1 ns latency, but the window [100, 100 + 1 ms) was running. */
    ck_assert_uint_eq(ps.received.ran_at[0], 100 + SIMTIME_ONE_MILLISECOND);
    ck_assert_int_eq(r.n, 2);
    ck_assert_uint_eq(r.starts[1], 100 + SIMTIME_ONE_MILLISECOND);
    scheduler_free(s);
    task_unref(t);
    _free_hosts(hosts, 2);
}
END_TEST

START_TEST(test_worker_count_and_free_without_run) {
    Host** hosts = _make_hosts(3, SIMTIME_ONE_SECOND);
    Scheduler* s = scheduler_new(hosts, 3, 8, SIMTIME_ONE_MILLISECOND, SIMTIME_ONE_SECOND);
    ck_assert_uint_eq(scheduler_getWorkerCount(s), 3);
    scheduler_free(s);
    s = scheduler_new(hosts, 3, 2, SIMTIME_ONE_MILLISECOND, SIMTIME_ONE_SECOND);
    ck_assert_uint_eq(scheduler_getWorkerCount(s), 2);
    scheduler_run(s, NULL, NULL); /* no events: returns at once */
    ck_assert_uint_eq(scheduler_getRoundCount(s), 0);
    scheduler_free(s);
    _free_hosts(hosts, 3);
}
END_TEST

/* ---- determinism ---------------------------------------------------------------------------- */

static size_t _count_lines(const char* text, size_t len) {
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) {
        lines += text[i] == '\n';
    }
    return lines;
}

START_TEST(test_synthetic_deterministic) {
    SyntheticConfig cfg;
    synthetic_defaultConfig(&cfg, 120);
    size_t len1;
    SyntheticStats st1;
    char* t1 = synthetic_run(&cfg, 1, &len1, &st1);
    ck_assert_uint_gt(st1.events, 50000);
    if (getenv("UMBRA_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "synthetic: %lu events, %lu rounds, %zu trace bytes\n",
                (unsigned long)st1.events, (unsigned long)st1.rounds, len1);
    }
    ck_assert_uint_eq(_count_lines(t1, len1), st1.events);
    ck_assert_uint_lt(st1.rounds, cfg.stop_time / cfg.runahead + 1);

    const unsigned parallelism[] = {2, 2, 3};
    for (size_t i = 0; i < sizeof(parallelism) / sizeof(parallelism[0]); i++) {
        size_t len;
        SyntheticStats st;
        char* t = synthetic_run(&cfg, parallelism[i], &len, &st);
        ck_assert_uint_eq(len, len1);
        ck_assert_int_eq(memcmp(t, t1, len1), 0);
        ck_assert_uint_eq(st.rounds, st1.rounds);
        ck_assert_uint_eq(st.events, st1.events);
        free(t);
    }

    /* A different seed changes the trace. */
    cfg.seed = 2;
    size_t len_other;
    char* other = synthetic_run(&cfg, 2, &len_other, NULL);
    ck_assert(len_other != len1 || memcmp(other, t1, len1) != 0);
    free(other);
    free(t1);
}
END_TEST

/* Runs the workload with per-event log records into a temporary file and returns the log with
 * the wall-clock and thread columns (the first two fields) removed from every line. */
static char* _logged_run(const SyntheticConfig* cfg, unsigned parallelism) {
    FILE* out = tmpfile();
    ck_assert_ptr_nonnull(out);
    logger_init(out, LOG_LEVEL_INFO);
    size_t len;
    free(synthetic_run(cfg, parallelism, &len, NULL));
    logger_flush();
    long size = ftell(out);
    rewind(out);
    char* raw = malloc((size_t)size + 1);
    ck_assert_uint_eq(fread(raw, 1, (size_t)size, out), (size_t)size);
    raw[size] = '\0';
    fclose(out);
    char* stripped = malloc((size_t)size + 1);
    size_t used = 0;
    for (char* line = strtok(raw, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char* rest = strchr(line, ' ');
        rest = rest != NULL ? strchr(rest + 1, ' ') : NULL;
        ck_assert_ptr_nonnull(rest);
        size_t n = strlen(rest);
        memcpy(stripped + used, rest, n);
        used += n;
        stripped[used++] = '\n';
    }
    stripped[used] = '\0';
    free(raw);
    return stripped;
}

START_TEST(test_synthetic_logs_deterministic) {
    SyntheticConfig cfg;
    synthetic_defaultConfig(&cfg, 40);
    cfg.stop_time = 300 * SIMTIME_ONE_MILLISECOND;
    cfg.log_events = 1;
    char* log1 = _logged_run(&cfg, 1);
    char* log2 = _logged_run(&cfg, 2);
    ck_assert_uint_gt(strlen(log1), 1000);
    ck_assert_ptr_nonnull(strstr(log1, "[host00000:11.0.0.1]"));
    /* Not ck_assert_str_eq: Check cannot carry a multi-megabyte failure message. */
    ck_assert_uint_eq(strlen(log1), strlen(log2));
    ck_assert_int_eq(strcmp(log1, log2), 0);
    free(log1);
    free(log2);
}
END_TEST

Suite* check_scheduler_suite(void) {
    Suite* s = suite_create("check_scheduler");
    TCase* tc = tcase_create("rounds");
    tcase_add_test(tc, test_idle_time_skipped);
    tcase_add_test(tc, test_stop_time);
    tcase_add_test(tc, test_window_clamped_to_stop_time);
    tcase_add_test(tc, test_cross_host_clamped_to_window_end);
    tcase_add_test(tc, test_worker_count_and_free_without_run);
    suite_add_tcase(s, tc);
    tc = tcase_create("determinism");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_synthetic_deterministic);
    tcase_add_test(tc, test_synthetic_logs_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
