/* A synthetic, deterministic workload for the event engine: many hosts exchange packet-like
 * events over a latency table and run local timers, all random choices coming from the host RNGs.
 * Every executed event appends "time host src seq\n" to its host's trace; the concatenation of the
 * traces in host order must be byte-identical at every parallelism and across runs.
 *
 * Used by check_scheduler.c (which #includes synthetic_workload.c, since the Check glob only
 * compiles check_*.c) and meant for an end-to-end determinism program over a real graph: fill
 * host_node and latency from the graph's nodes and shortest paths.
 *
 * Behaviour per host: `timers_per_host` timers start at random times in [0, max_timer_interval).
 * A timer event sends one packet to a random host (possibly itself) arriving after the latency
 * between their nodes, and re-arms itself 1..max_timer_interval later (in multiples of `quantum`,
 * so same-time ties are common). A packet event forwards a new packet to a random host with
 * probability forward_percent %, and with probability 25 % arms a one-shot local timer
 * `quantum` later. */
#ifndef SIM_TESTS_UNIT_SYNTHETIC_WORKLOAD_H_
#define SIM_TESTS_UNIT_SYNTHETIC_WORKLOAD_H_

#include <stddef.h>
#include <stdint.h>

#include "lib/simtime.h"

typedef struct {
    uint32_t n_hosts;            /* number of hosts (>= 1), named host00000, host00001, ... */
    uint32_t seed;               /* general.seed: host RNGs come from rng_hostSeed(seed, name) */
    SimTime stop_time;           /* simulation end */
    SimTime runahead;            /* round length (> 0) */
    uint32_t n_nodes;            /* network nodes (>= 1) */
    const uint32_t* host_node;   /* node of each host (n_hosts entries) or NULL for i % n_nodes */
    const SimTime* latency;      /* n_nodes x n_nodes matrix [src * n_nodes + dst], or NULL for a
                                    built-in table derived from node groups (some pairs are
                                    below the runahead, to exercise clamping) */
    uint32_t timers_per_host;    /* timers armed at start on every host */
    SimTime quantum;             /* granularity of timer intervals (> 0) */
    uint32_t max_timer_quanta;   /* timer intervals are 1..max_timer_quanta quanta */
    uint32_t forward_percent;    /* chance (0..100) that a received packet is forwarded */
    int log_events;              /* if nonzero, every event also writes a log_info record */
} SyntheticConfig;

typedef struct {
    uint64_t rounds; /* scheduler_getRoundCount */
    uint64_t events; /* scheduler_getEventCount */
} SyntheticStats;

/* Fills `cfg` with a default workload of `n_hosts` hosts (4 nodes, 1 ms runahead, 2 s). */
void synthetic_defaultConfig(SyntheticConfig* cfg, uint32_t n_hosts);

/* Builds the hosts, runs the scheduler at `parallelism` workers and returns the concatenated
 * trace (malloc'd, NUL-terminated, caller frees; length in *trace_len). `stats` may be NULL. */
char* synthetic_run(const SyntheticConfig* cfg, unsigned parallelism, size_t* trace_len,
                    SyntheticStats* stats);

#endif
