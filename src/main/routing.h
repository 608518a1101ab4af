/* The routing table (compat.md 2.2): for every ordered pair of used nodes (nodes that have hosts),
 * the latency and packet loss a packet sees between them. Built once before the simulation starts;
 * immutable afterwards, so lookups from many threads need no locking.
 *
 * Errors are GErrors in the UMBRA_GRAPH_ERROR domain (code GRAPH_ERROR_ROUTING) with a one-line
 * message naming the pair, e.g. "No edge connecting node 3 to 3". */
#ifndef SIM_MAIN_ROUTING_H_
#define SIM_MAIN_ROUTING_H_

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/simtime.h"
#include "main/graph.h"

typedef struct {
    SimTime latency;    /* sum of the edge latencies along the path, ns */
    double packet_loss; /* 1 - product of (1 - edge loss) along the path */
} PathInfo;

typedef struct _RoutingTable RoutingTable;

/* Builds the table over `used_nodes` (GML node ids; duplicates allowed; each must exist in `g`).
 * use_shortest_path true: Dijkstra from every used node, paths ordered by latency then by loss;
 * a node to itself always uses its self-loop, which must be unique ("No edge connecting node X to
 * X" / "More than one edge connecting node X to X"). false: every ordered pair of used nodes,
 * self-pairs included, must be joined by exactly one direct edge (same messages, naming the pair).
 * An unreachable pair is an error naming the pair. `g` is only read during the call. Returns a new
 * table (caller frees with routing_free) or NULL with `error` set. */
RoutingTable* routing_build(const Graph* g, const uint32_t* used_nodes, size_t n_used,
                            bool use_shortest_path, GError** error);
void routing_free(RoutingTable* t);

/* The path from `src_node` to `dst_node` (GML ids). Borrowed pointer into the table, valid until
 * routing_free; NULL if either node is not a used node. O(log n) in the number of used nodes. */
const PathInfo* routing_lookup(const RoutingTable* t, uint32_t src_node, uint32_t dst_node);

/* The smallest latency in the table, self-loops included. */
SimTime routing_getSmallestLatency(const RoutingTable* t);

/* The number of distinct used nodes. */
size_t routing_getNodeCount(const RoutingTable* t);

#endif
