/* The network graph (compat.md 1.4 and 2.1): nodes with optional host bandwidths, edges with a
 * latency and a packet loss, held in an igraph_t. Loaded from the built-in 1_gbit_switch, from
 * inline GML, or from a GML file (optionally xz-compressed). A loaded Graph is immutable and may be
 * read from several threads.
 *
 * Node ids are the GML ids (arbitrary uint32 values). Internally node `i` of the GML file (in file
 * order) is igraph vertex `i`, and GML edge `j` is igraph edge `j`.
 *
 * Errors are GErrors in the UMBRA_GRAPH_ERROR domain with a one-line message
 * "<file or "inline graph">:<line>: <what>", or "<path>: cannot read graph file: <strerror>". */
#ifndef SIM_MAIN_GRAPH_H_
#define SIM_MAIN_GRAPH_H_

#include <glib.h>
#include <igraph.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/simtime.h"
#include "main/config.h"

#define UMBRA_GRAPH_ERROR (umbra_graph_error_quark())
GQuark umbra_graph_error_quark(void);

typedef enum {
    GRAPH_ERROR_IO,      /* the file cannot be read, or its xz data is corrupt */
    GRAPH_ERROR_SYNTAX,  /* malformed GML, duplicate key */
    GRAPH_ERROR_INVALID, /* well-formed GML that breaks a rule of compat.md 2.1 */
    GRAPH_ERROR_ROUTING, /* routing.c: missing/duplicate edge, unreachable pair, unknown node */
} GraphError;

typedef struct _Graph Graph;

/* Loads the graph a config names: 1_gbit_switch (built in: undirected, one node id 0 with
 * host_bandwidth_up/down "1 Gbit", one self-loop latency "1 ms" packet_loss 0.0), GML inline text,
 * or a GML file (optionally xz-compressed, decompressed in memory; `path` is relative to the cwd).
 * Returns a new Graph (caller frees with graph_free), or NULL with a one-line `error`. */
Graph* graph_load(const GraphSpec* spec, GError** error);

/* Parses GML text; `where` names it in messages ("inline graph", a path). Same result as
 * graph_load. */
Graph* graph_loadGml(const char* text, size_t len, const char* where, GError** error);

void graph_free(Graph* g);

bool graph_isDirected(const Graph* g);
size_t graph_getNodeCount(const Graph* g);
size_t graph_getEdgeCount(const Graph* g);
bool graph_hasNode(const Graph* g, uint32_t node_id);

/* Node bandwidths in bits/s; false when the node does not exist or has no such attribute. */
bool graph_getNodeBandwidthUp(const Graph* g, uint32_t node_id, uint64_t* bits_out);
bool graph_getNodeBandwidthDown(const Graph* g, uint32_t node_id, uint64_t* bits_out);

/* ---------------------------------------------------------------------------------------------
 * For routing.c: the igraph view. Vertex and edge indices are igraph's.
 * ------------------------------------------------------------------------------------------- */

/* The igraph graph. Borrowed. */
const igraph_t* graph_getIgraph(const Graph* g);
/* Edge latencies in nanoseconds as doubles (exact: see graph.c), indexed by edge. Borrowed. */
const igraph_vector_t* graph_getLatencyWeights(const Graph* g);
/* The vertex of node `node_id`; false when there is no such node. */
bool graph_getVertex(const Graph* g, uint32_t node_id, igraph_integer_t* vertex_out);
/* The GML id of vertex `vertex` (must be < node count). */
uint32_t graph_getNodeId(const Graph* g, igraph_integer_t vertex);
/* Latency in ns and packet loss of edge `edge` (must be < edge count). */
SimTime graph_getEdgeLatency(const Graph* g, igraph_integer_t edge);
double graph_getEdgeLoss(const Graph* g, igraph_integer_t edge);
/* All edge losses, indexed by edge (graph_getEdgeCount entries). Borrowed. */
const double* graph_getEdgeLosses(const Graph* g);

#endif
