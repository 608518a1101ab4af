/* Round-based parallel scheduler.
 *
 * One round:
 *   1. the controlling thread sets the window, resets the shared host index and the round's
 *      minimum, and enters the start barrier;
 *   2. each worker takes host indices from the shared atomic counter, runs host_execute on each,
 *      and folds the host's next-event time and the earliest cross-host delivery it made into the
 *      round's minimum (an atomic min);
 *   3. everyone meets at the end barrier; the controlling thread flushes per-host logs in host-id
 *      order, calls the round callback, and starts the next window at the round's minimum.
 * The minimum is exact: a host's next-event time is read after it ran, and anything queued on it
 * later in the round came from worker_sendRemoteEvent, whose delivery times are folded in too.
 * This end-of-round minimum is the seam a distributed backend turns into a collective.
 *
 * Waiting uses pthread barriers (futex based), so idle workers sleep instead of spinning. */
#include "main/scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "host/engine_debug.h"
#include "host/worker.h"
#include "lib/logger.h"

#define SCHEDULER_MAGIC 0x5c4ed01eu

struct _Scheduler {
    Host** hosts;                  /* borrowed, indexed by id */
    size_t n_hosts;                /* length of hosts */
    unsigned n_workers;            /* threads started */
    SimTime runahead;              /* window length */
    SimTime stop_time;             /* nothing runs at or after this */
    pthread_t* threads;            /* the workers */
    pthread_barrier_t start;       /* releases the workers into a round (or to exit) */
    pthread_barrier_t end;         /* ends a round */
    bool exiting;                  /* workers leave at the next start barrier */
    bool workers_alive;            /* workers not yet joined */
    bool ran;                      /* scheduler_run was called */
    SimTime window_end;            /* end of the running window; written between rounds */
    atomic_size_t next_host;       /* next host index to take in this round */
    _Atomic SimTime round_min;     /* min next-event time seen in this round */
    uint64_t rounds;               /* rounds run */
    atomic_uint_fast64_t events;   /* events run, added by the workers at the end of a round */
    ENGINE_MAGIC_DECLARE;
};

static void _scheduler_atomicMin(_Atomic SimTime* target, SimTime value) {
    SimTime current = atomic_load_explicit(target, memory_order_relaxed);
    while (value < current &&
           !atomic_compare_exchange_weak_explicit(target, &current, value, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

/* Runs hosts of the current round until none is left. */
static void _scheduler_runRoundWork(Scheduler* s) {
    SimTime local_min = SIMTIME_INVALID;
    uint64_t local_events = 0;
    for (;;) {
        size_t index = atomic_fetch_add_explicit(&s->next_host, 1, memory_order_relaxed);
        if (index >= s->n_hosts) {
            break;
        }
        Host* host = s->hosts[index];
        uint64_t before = host_getExecutedEventCount(host);
        host_execute(host, s->window_end);
        local_events += host_getExecutedEventCount(host) - before;
        SimTime next = host_getNextEventTime(host);
        if (next < local_min) {
            local_min = next;
        }
    }
    SimTime delivered = worker_takeMinDeliveryTime();
    if (delivered < local_min) {
        local_min = delivered;
    }
    _scheduler_atomicMin(&s->round_min, local_min);
    atomic_fetch_add_explicit(&s->events, local_events, memory_order_relaxed);
}

static void* _scheduler_workerMain(void* arg) {
    Scheduler* s = arg;
    logger_setThreadName("umbra-worker");
    for (;;) {
        pthread_barrier_wait(&s->start);
        if (s->exiting) {
            break;
        }
        _scheduler_runRoundWork(s);
        pthread_barrier_wait(&s->end);
    }
    return NULL;
}

Scheduler* scheduler_new(Host** hosts, size_t n_hosts, unsigned parallelism, SimTime runahead,
                         SimTime stop_time) {
    ENGINE_ASSERT(parallelism >= 1);
    ENGINE_ASSERT(runahead > 0);
    ENGINE_ASSERT(hosts != NULL || n_hosts == 0);
    for (size_t i = 0; i < n_hosts; i++) {
        ENGINE_ASSERT(host_getId(hosts[i]) == i);
    }
    Scheduler* s = calloc(1, sizeof(*s));
    ENGINE_ASSERT(s != NULL);
    s->hosts = hosts;
    s->n_hosts = n_hosts;
    s->runahead = runahead;
    s->stop_time = stop_time;
    s->n_workers = parallelism;
    if (s->n_workers > n_hosts) {
        s->n_workers = n_hosts == 0 ? 1 : (unsigned)n_hosts;
    }
    atomic_init(&s->next_host, 0);
    atomic_init(&s->round_min, SIMTIME_INVALID);
    atomic_init(&s->events, 0);
    ENGINE_MAGIC_INIT(s, SCHEDULER_MAGIC);

    /* The registry must be in place before any worker exists (thread creation publishes it). */
    worker_setHostRegistry(hosts, n_hosts);

    pthread_barrier_init(&s->start, NULL, s->n_workers + 1);
    pthread_barrier_init(&s->end, NULL, s->n_workers + 1);
    s->threads = calloc(s->n_workers, sizeof(*s->threads));
    ENGINE_ASSERT(s->threads != NULL);
    for (unsigned i = 0; i < s->n_workers; i++) {
        int rc = pthread_create(&s->threads[i], NULL, _scheduler_workerMain, s);
        ENGINE_ASSERT(rc == 0);
    }
    s->workers_alive = true;
    return s;
}

/* Smallest next-event time over all hosts; only while no round runs. */
static SimTime _scheduler_scanMinNextTime(Scheduler* s) {
    SimTime min = SIMTIME_INVALID;
    for (size_t i = 0; i < s->n_hosts; i++) {
        SimTime next = host_getNextEventTime(s->hosts[i]);
        if (next < min) {
            min = next;
        }
    }
    return min;
}

static void _scheduler_flushLogs(Scheduler* s) {
    for (size_t i = 0; i < s->n_hosts; i++) {
        LogContext* ctx = host_getLogContext(s->hosts[i]);
        if (ctx->buffer_len > 0) {
            logger_flushContext(ctx);
        }
    }
}

void scheduler_run(Scheduler* s, SchedulerRoundCallback round_cb, void* user) {
    ENGINE_MAGIC_ASSERT(s, SCHEDULER_MAGIC);
    ENGINE_ASSERT(!s->ran);
    s->ran = true;
    /* Events queued during setup (on this thread) are found by one scan; later minima come from
     * the rounds themselves. */
    SimTime start = _scheduler_scanMinNextTime(s);
    while (start != SIMTIME_INVALID && start < s->stop_time) {
        SimTime end = start > SIMTIME_MAX - s->runahead ? SIMTIME_MAX : start + s->runahead;
        if (end > s->stop_time) {
            end = s->stop_time;
        }
        s->window_end = end;
        atomic_store_explicit(&s->next_host, 0, memory_order_relaxed);
        atomic_store_explicit(&s->round_min, SIMTIME_INVALID, memory_order_relaxed);
        pthread_barrier_wait(&s->start);
        pthread_barrier_wait(&s->end);
        s->rounds++;
        _scheduler_flushLogs(s);
        if (round_cb != NULL) {
            round_cb(start, end, user);
        }
        start = atomic_load_explicit(&s->round_min, memory_order_relaxed);
    }
}

uint64_t scheduler_getRoundCount(const Scheduler* s) {
    ENGINE_MAGIC_ASSERT(s, SCHEDULER_MAGIC);
    return s->rounds;
}

uint64_t scheduler_getEventCount(const Scheduler* s) {
    ENGINE_MAGIC_ASSERT(s, SCHEDULER_MAGIC);
    return atomic_load_explicit(&s->events, memory_order_relaxed);
}

unsigned scheduler_getWorkerCount(const Scheduler* s) {
    ENGINE_MAGIC_ASSERT(s, SCHEDULER_MAGIC);
    return s->n_workers;
}

void scheduler_free(Scheduler* s) {
    ENGINE_MAGIC_ASSERT(s, SCHEDULER_MAGIC);
    if (s->workers_alive) {
        s->exiting = true;
        pthread_barrier_wait(&s->start);
        for (unsigned i = 0; i < s->n_workers; i++) {
            pthread_join(s->threads[i], NULL);
        }
        s->workers_alive = false;
    }
    worker_setHostRegistry(NULL, 0);
    pthread_barrier_destroy(&s->start);
    pthread_barrier_destroy(&s->end);
    free(s->threads);
    ENGINE_MAGIC_CLEAR(s);
    free(s);
}
