/* End-to-end determinism program: loads a real config and GML graph through the same path as umbra
 * (config_load → controller_new: graph, routing, addresses, runahead), then drives the synthetic
 * workload of tests/unit/synthetic_workload.c over those hosts' nodes and shortest-path latencies,
 * and prints the host-ordered event trace on stdout.
 *
 * Usage: determinism CONFIG PARALLELISM > trace. The ctest script compares the traces of
 * parallelism 1 and 2 and of two runs byte for byte. */
#include <stdio.h>
#include <stdlib.h>

#include "main/config.h"
#include "main/controller.h"
#include "main/routing.h"
#include "synthetic_workload.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s CONFIG PARALLELISM\n", argv[0]);
        return 2;
    }
    logger_init(stderr, LOG_LEVEL_WARNING);
    GError* error = NULL;
    Config* config = config_load(argv[1], NULL, 0, &error);
    Controller* controller = config ? controller_new(config, &error) : NULL;
    if (controller == NULL) {
        fprintf(stderr, "determinism: %s\n", error->message);
        return 1;
    }
    /* Dense node indices for the synthetic workload, in node-id order of first appearance. */
    size_t n_hosts = config->n_hosts;
    uint32_t* node_ids = calloc(n_hosts, sizeof(uint32_t));
    uint32_t* host_node = calloc(n_hosts, sizeof(uint32_t));
    uint32_t n_nodes = 0;
    for (size_t i = 0; i < n_hosts; i++) {
        uint32_t id = config->hosts[i].network_node_id;
        uint32_t k = 0;
        while (k < n_nodes && node_ids[k] != id) {
            k++;
        }
        if (k == n_nodes) {
            node_ids[n_nodes++] = id;
        }
        host_node[i] = k;
    }
    SimTime* latency = calloc((size_t)n_nodes * n_nodes, sizeof(SimTime));
    for (uint32_t s = 0; s < n_nodes; s++) {
        for (uint32_t d = 0; d < n_nodes; d++) {
            const PathInfo* p = routing_lookup(controller_getRouting(controller), node_ids[s],
                                               node_ids[d]);
            latency[(size_t)s * n_nodes + d] = p->latency;
        }
    }
    SyntheticConfig cfg;
    synthetic_defaultConfig(&cfg, (uint32_t)n_hosts);
    cfg.seed = config->seed;
    cfg.stop_time = config->stop_time;
    cfg.runahead = controller_getRunahead(controller);
    cfg.n_nodes = n_nodes;
    cfg.host_node = host_node;
    cfg.latency = latency;

    SyntheticStats stats;
    size_t len = 0;
    char* trace = synthetic_run(&cfg, (unsigned)atoi(argv[2]), &len, &stats);
    fwrite(trace, 1, len, stdout);
    fprintf(stderr, "determinism: %zu hosts, %u nodes, runahead %llu ns, %llu rounds, %llu events\n",
            n_hosts, n_nodes, (unsigned long long)cfg.runahead, (unsigned long long)stats.rounds,
            (unsigned long long)stats.events);
    free(trace);
    free(latency);
    free(host_node);
    free(node_ids);
    controller_free(controller);
    config_free(config);
    return stats.events > 1000 ? 0 : 1; /* a workload that did nothing proves nothing */
}
