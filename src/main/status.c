/* Heartbeats and the progress line. The heartbeat text matches Shadow's byte for byte apart from
 * the figures (tornettools' parse_rusage.py reads it): ru_maxrss in GiB and the CPU times in
 * minutes, three decimals each; the second line carries /proc/meminfo as one JSON object in bytes
 * with the fields in a fixed order. */
#include "main/status.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/logger.h"

int status_formatRusageLine(char* buf, size_t len, SimTime now, long maxrss_kib, double utime_s,
                            double stime_s, long nvcsw, long nivcsw) {
    return snprintf(buf, len,
                    "Process resource usage at simtime %llu reported by getrusage(): "
                    "ru_maxrss=%.3f GiB, ru_utime=%.3f minutes, ru_stime=%.3f minutes, "
                    "ru_nvcsw=%ld, ru_nivcsw=%ld",
                    (unsigned long long)now, (double)maxrss_kib / 1048576.0, utime_s / 60.0,
                    stime_s / 60.0, nvcsw, nivcsw);
}

/* /proc/meminfo fields reported, in this order, with the JSON key for each. */
static const struct {
    const char* proc_key;
    const char* json_key;
} _status_memFields[] = {
    {"MemTotal", "mem_total"}, {"MemFree", "mem_free"},         {"SwapTotal", "swap_total"},
    {"SwapFree", "swap_free"}, {"Buffers", "buffers"},          {"Cached", "cached"},
    {"SReclaimable", "s_reclaimable"}, {"Shmem", "shmem"},
};

#define N_MEM_FIELDS (sizeof(_status_memFields) / sizeof(_status_memFields[0]))

static char* _status_meminfoJson(void) {
    unsigned long long values[N_MEM_FIELDS] = {0};
    FILE* f = fopen("/proc/meminfo", "re");
    char line[256];
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        char key[64];
        unsigned long long kib;
        if (sscanf(line, "%63[^:]: %llu", key, &kib) != 2) {
            continue;
        }
        for (size_t i = 0; i < N_MEM_FIELDS; i++) {
            if (strcmp(key, _status_memFields[i].proc_key) == 0) {
                values[i] = kib * 1024;
            }
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    GString* json = g_string_new("{");
    for (size_t i = 0; i < N_MEM_FIELDS; i++) {
        g_string_append_printf(json, "%s\"%s\":%llu", i ? "," : "", _status_memFields[i].json_key,
                               values[i]);
    }
    g_string_append_c(json, '}');
    return g_string_free(json, FALSE);
}

void status_logHeartbeat(SimTime now) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char line[512];
    status_formatRusageLine(line, sizeof(line), now, ru.ru_maxrss,
                            (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
                            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
                            ru.ru_nvcsw, ru.ru_nivcsw);
    log_info("%s", line);
    char* json = _status_meminfoJson();
    log_info("System memory usage in bytes at simtime %llu ns reported by /proc/meminfo: %s",
             (unsigned long long)now, json);
    g_free(json);
}

struct _Progress {
    SimTime stop_time;         /* 100% */
    bool is_tty;               /* redraw in place vs. print lines */
    struct timespec start;     /* wall-clock start of the run */
    double last_print;         /* wall seconds of the last output */
    double interval;           /* wall seconds between outputs */
};

static double _progress_elapsed(const Progress* p) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
}

int progress_formatLine(char* buf, size_t len, SimTime now, SimTime stop_time,
                        double wall_seconds, unsigned processes_failed) {
    unsigned pct = stop_time > 0 ? (unsigned)((double)now * 100.0 / (double)stop_time) : 100;
    if (pct > 100) {
        pct = 100;
    }
    unsigned long long ms = now / SIMTIME_ONE_MILLISECOND;
    unsigned long long stop_s = stop_time / SIMTIME_ONE_SECOND;
    unsigned long long wall = (unsigned long long)wall_seconds;
    return snprintf(buf, len,
                    "%u%% \xe2\x80\x94 simulated: %02llu:%02llu:%02llu.%03llu/%02llu:%02llu:%02llu, "
                    "realtime: %02llu:%02llu:%02llu, processes failed: %u",
                    pct, ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000, stop_s / 3600,
                    stop_s / 60 % 60, stop_s % 60, wall / 3600, wall / 60 % 60, wall % 60,
                    processes_failed);
}

Progress* progress_new(SimTime stop_time, bool is_tty) {
    Progress* p = g_new0(Progress, 1);
    p->stop_time = stop_time;
    p->is_tty = is_tty;
    p->interval = is_tty ? 1.0 : 60.0;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    return p;
}

static void _progress_print(Progress* p, SimTime now, unsigned failed, double elapsed, bool last) {
    char line[256];
    progress_formatLine(line, sizeof(line), now, p->stop_time, elapsed, failed);
    if (p->is_tty) {
        fprintf(stderr, "\r\033[K%s%s", line, last ? "\n" : "");
    } else {
        fprintf(stderr, "Progress: %s\n", line);
    }
    fflush(stderr);
    p->last_print = elapsed;
}

void progress_update(Progress* p, SimTime now, unsigned processes_failed) {
    double elapsed = _progress_elapsed(p);
    if (elapsed - p->last_print >= p->interval) {
        _progress_print(p, now, processes_failed, elapsed, false);
    }
}

void progress_finish(Progress* p, SimTime now, unsigned processes_failed) {
    _progress_print(p, now, processes_failed, _progress_elapsed(p), true);
    g_free(p);
}
