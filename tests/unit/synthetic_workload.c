/* Synthetic engine workload; see synthetic_workload.h. Each host appends only to its own trace
 * buffer and touches only its own RNG, so no locking is needed here: the engine runs a host on
 * one worker at a time. */
#include "synthetic_workload.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/event.h"
#include "host/host.h"
#include "host/task.h"
#include "host/worker.h"
#include "lib/logger.h"
#include "lib/rng.h"
#include "main/scheduler.h"

typedef struct {
    char* data;  /* trace text */
    size_t len;  /* bytes used */
    size_t cap;  /* bytes allocated */
} SyntheticTrace;

typedef struct {
    const SyntheticConfig* cfg; /* borrowed */
    SimTime* latency;           /* n_nodes^2 matrix actually used (owned) */
    SyntheticTrace* traces;     /* one per host */
} SyntheticRun;

static void _synthetic_append(SyntheticTrace* trace, const char* text, size_t len) {
    if (trace->len + len + 1 > trace->cap) {
        size_t cap = trace->cap == 0 ? 4096 : trace->cap;
        while (cap < trace->len + len + 1) {
            cap *= 2;
        }
        trace->data = realloc(trace->data, cap);
        if (trace->data == NULL) {
            abort();
        }
        trace->cap = cap;
    }
    memcpy(trace->data + trace->len, text, len);
    trace->len += len;
    trace->data[trace->len] = '\0';
}

static uint32_t _synthetic_nodeOf(const SyntheticRun* run, HostId id) {
    const SyntheticConfig* cfg = run->cfg;
    return cfg->host_node != NULL ? cfg->host_node[id] : id % cfg->n_nodes;
}

/* Records the running event in its host's trace (and the log, if asked). */
static void _synthetic_record(SyntheticRun* run, Host* host, const char* what) {
    const Event* event = worker_getCurrentEvent();
    char line[128];
    int n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu32 " %" PRIu32 " %" PRIu64 "\n",
                     worker_getCurrentTime(), host_getId(host), event_getSourceHostId(event),
                     event_getSequence(event));
    _synthetic_append(&run->traces[host_getId(host)], line, (size_t)n);
    if (run->cfg->log_events) {
        log_info("%s from %" PRIu32 " seq %" PRIu64, what, event_getSourceHostId(event),
                 event_getSequence(event));
    }
}

static void _synthetic_onPacket(Host* host, void* object, void* argument);
static void _synthetic_onTimer(Host* host, void* object, void* argument);

static void _synthetic_sendRandom(SyntheticRun* run, Host* host) {
    Rng* rng = host_getRng(host);
    HostId dst = (HostId)rng_nextBounded(rng, run->cfg->n_hosts);
    uint32_t n_nodes = run->cfg->n_nodes;
    SimTime latency = run->latency[_synthetic_nodeOf(run, host_getId(host)) * n_nodes +
                                   _synthetic_nodeOf(run, dst)];
    Task* packet = task_new(_synthetic_onPacket, run, NULL, NULL, NULL);
    worker_sendRemoteEvent(host, dst, packet, worker_getCurrentTime() + latency);
    task_unref(packet);
}

static void _synthetic_onPacket(Host* host, void* object, void* argument) {
    SyntheticRun* run = object;
    _synthetic_record(run, host, "packet");
    Rng* rng = host_getRng(host);
    if (rng_nextBounded(rng, 100) < run->cfg->forward_percent) {
        _synthetic_sendRandom(run, host);
    }
    if (rng_nextBounded(rng, 4) == 0) {
        /* A one-shot timer (argument != NULL means "do not re-arm"). */
        Task* once = task_new(_synthetic_onTimer, run, (void*)1, NULL, NULL);
        host_scheduleTaskWithDelay(host, once, run->cfg->quantum);
        task_unref(once);
    }
}

static void _synthetic_onTimer(Host* host, void* object, void* argument) {
    SyntheticRun* run = object;
    _synthetic_record(run, host, "timer");
    _synthetic_sendRandom(run, host);
    if (argument == NULL) {
        Rng* rng = host_getRng(host);
        SimTime delay = (1 + rng_nextBounded(rng, run->cfg->max_timer_quanta)) * run->cfg->quantum;
        Task* again = task_new(_synthetic_onTimer, run, NULL, NULL, NULL);
        host_scheduleTaskWithDelay(host, again, delay);
        task_unref(again);
    }
}

void synthetic_defaultConfig(SyntheticConfig* cfg, uint32_t n_hosts) {
    *cfg = (SyntheticConfig){
        .n_hosts = n_hosts,
        .seed = 1,
        .stop_time = 2 * SIMTIME_ONE_SECOND,
        .runahead = SIMTIME_ONE_MILLISECOND,
        .n_nodes = 4,
        .host_node = NULL,
        .latency = NULL,
        .timers_per_host = 2,
        .quantum = 100 * SIMTIME_ONE_MICROSECOND,
        .max_timer_quanta = 100,
        .forward_percent = 50,
        .log_events = 0,
    };
}

/* Built-in latencies: symmetric, varying by node pair ("node groups"). */
static SimTime* _synthetic_makeLatency(const SyntheticConfig* cfg) {
    size_t n = cfg->n_nodes;
    SimTime* table = calloc(n * n, sizeof(*table));
    if (table == NULL) {
        abort();
    }
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < n; b++) {
            if (cfg->latency != NULL) {
                table[a * n + b] = cfg->latency[a * n + b];
                continue;
            }
            size_t lo = a < b ? a : b;
            size_t hi = a < b ? b : a;
            /* Some pairs are closer than the runahead, so deliveries get clamped to the window
             * end and many packets from different sources tie on time there. */
            table[a * n + b] = cfg->runahead * ((lo * 31 + hi * 17) % 7) / 2 +
                               (SimTime)((lo + hi) % 3) * 37 * SIMTIME_ONE_MICROSECOND +
                               SIMTIME_ONE_MICROSECOND;
        }
    }
    return table;
}

static Host** _synthetic_makeHosts(const SyntheticConfig* cfg) {
    Host** hosts = calloc(cfg->n_hosts, sizeof(*hosts));
    if (hosts == NULL) {
        abort();
    }
    for (uint32_t i = 0; i < cfg->n_hosts; i++) {
        char name[32];
        snprintf(name, sizeof(name), "host%05" PRIu32, i);
        HostParams p = {
            .id = i,
            .name = name,
            .ip = 0x0b000001u + i,
            .node_id = cfg->host_node != NULL ? cfg->host_node[i] : i % cfg->n_nodes,
            .bandwidth_up_bits = 1000000000ULL,
            .bandwidth_down_bits = 1000000000ULL,
            .rng_seed = rng_hostSeed(cfg->seed, name),
            .log_level = LOG_LEVEL_INFO,
            .stop_time = cfg->stop_time,
        };
        hosts[i] = host_new(&p);
    }
    return hosts;
}

char* synthetic_run(const SyntheticConfig* cfg, unsigned parallelism, size_t* trace_len,
                    SyntheticStats* stats) {
    SyntheticRun run = {.cfg = cfg};
    run.latency = _synthetic_makeLatency(cfg);
    run.traces = calloc(cfg->n_hosts, sizeof(*run.traces));
    Host** hosts = _synthetic_makeHosts(cfg);
    /* Initial timers, armed from this thread before the run. */
    for (uint32_t i = 0; i < cfg->n_hosts; i++) {
        for (uint32_t k = 0; k < cfg->timers_per_host; k++) {
            Rng* rng = host_getRng(hosts[i]);
            SimTime at = rng_nextBounded(rng, cfg->max_timer_quanta) * cfg->quantum;
            Task* timer = task_new(_synthetic_onTimer, &run, NULL, NULL, NULL);
            host_scheduleTaskAtTime(hosts[i], timer, at);
            task_unref(timer);
        }
    }
    Scheduler* scheduler = scheduler_new(hosts, cfg->n_hosts, parallelism, cfg->runahead,
                                         cfg->stop_time);
    scheduler_run(scheduler, NULL, NULL);
    if (stats != NULL) {
        stats->rounds = scheduler_getRoundCount(scheduler);
        stats->events = scheduler_getEventCount(scheduler);
    }
    scheduler_free(scheduler);

    SyntheticTrace all = {0};
    _synthetic_append(&all, "", 0);
    for (uint32_t i = 0; i < cfg->n_hosts; i++) {
        _synthetic_append(&all, run.traces[i].data == NULL ? "" : run.traces[i].data,
                          run.traces[i].len);
        free(run.traces[i].data);
        host_free(hosts[i]);
    }
    free(hosts);
    free(run.traces);
    free(run.latency);
    *trace_len = all.len;
    return all.data;
}
