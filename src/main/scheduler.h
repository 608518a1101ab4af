/* The round-based parallel scheduler (architecture.md 2): conservative windows
 * [start, min(start + runahead, stop_time)), in which every host runs its events independently on
 * one of `parallelism` worker threads; a barrier ends the round; the next window starts at the
 * smallest next-event time over all hosts, so idle time is skipped.
 *
 * Determinism: which worker runs which host, and in which order, never changes the result:
 * cross-host events are delivered at or after the window end (worker_sendRemoteEvent), queues
 * order events by the total order of event.h, and per-host log records are flushed between
 * rounds in host-id order.
 *
 * Threading: scheduler_new/run/free and the getters must be called from one thread (the
 * controller's). The round callback runs on that thread between rounds, while no host runs, so it
 * may read host state; it must not queue events on hosts (do that from events). */
#ifndef SIM_MAIN_SCHEDULER_H_
#define SIM_MAIN_SCHEDULER_H_

#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "lib/simtime.h"

typedef struct _Scheduler Scheduler;

/* hosts: borrowed array indexed by host id (hosts[i] has id i); it and the hosts must outlive the
 * scheduler. parallelism >= 1 (the caller resolves 0 to the core count). runahead > 0. Installs
 * the worker registry (worker_setHostRegistry) and starts min(parallelism, n_hosts) worker
 * threads, which wait until scheduler_run. */
Scheduler* scheduler_new(Host** hosts, size_t n_hosts, unsigned parallelism, SimTime runahead,
                         SimTime stop_time);

/* Called after each round, on the thread that called scheduler_run, with the round's window
 * [round_start, round_end). */
typedef void (*SchedulerRoundCallback)(SimTime round_start, SimTime round_end, void* user);

/* Runs rounds until no event < stop_time remains. `round_cb` may be NULL. Can be called once. */
void scheduler_run(Scheduler* s, SchedulerRoundCallback round_cb, void* user);

/* Rounds run so far. */
uint64_t scheduler_getRoundCount(const Scheduler* s);
/* Events run so far, over all hosts (up to date after each round). */
uint64_t scheduler_getEventCount(const Scheduler* s);
/* Number of worker threads actually started. */
unsigned scheduler_getWorkerCount(const Scheduler* s);

/* Stops and joins the workers, removes the worker registry and frees the scheduler (not the
 * hosts). */
void scheduler_free(Scheduler* s);

#endif
