/* The network graph: reads the GML text (from the config, a file, or an xz file), checks it
 * against compat.md 2.1 and builds an igraph_t plus per-edge latency/loss arrays.
 *
 * Invariants of a loaded Graph: node ids are unique; vertex i is the i-th `node` block of the file
 * and edge j the j-th `edge` block; every edge has a non-zero latency and a loss in [0, 1]; the
 * `weights` vector holds each latency as a double. Latencies are whole nanoseconds, so the doubles
 * are exact below 2^53 ns (104 days); routing.c checks that path totals stay below that. */
#include "main/graph.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/units.h"
#include "main/gml.h"

/* Shadow's built-in graph for `type: 1_gbit_switch` (compat.md 1.4). */
static const char _graph_oneGbitSwitch[] = "graph [\n"
                                           "  directed 0\n"
                                           "  node [\n"
                                           "    id 0\n"
                                           "    host_bandwidth_down \"1 Gbit\"\n"
                                           "    host_bandwidth_up \"1 Gbit\"\n"
                                           "  ]\n"
                                           "  edge [\n"
                                           "    source 0\n"
                                           "    target 0\n"
                                           "    latency \"1 ms\"\n"
                                           "    packet_loss 0.0\n"
                                           "  ]\n"
                                           "]\n";

/* One node, by vertex index. */
typedef struct {
    uint32_t id;      /* GML id */
    uint32_t line;    /* line of its `node` key, for messages */
    bool has_bw_up;   /* host_bandwidth_up given */
    bool has_bw_down; /* host_bandwidth_down given */
    uint64_t bw_up;   /* bits/s */
    uint64_t bw_down; /* bits/s */
} GraphNode;

/* An entry of the id -> vertex index, sorted by id. */
typedef struct {
    uint32_t id;             /* GML id */
    igraph_integer_t vertex; /* igraph vertex */
} GraphIdEntry;

struct _Graph {
    igraph_t ig;             /* structure: vertices = nodes, edges = GML edges */
    bool directed;           /* `directed 1` */
    size_t n_nodes;          /* vertices */
    GraphNode* nodes;        /* by vertex */
    GraphIdEntry* by_id;     /* n_nodes entries sorted by id */
    size_t n_edges;          /* edges */
    SimTime* edge_latency;   /* by edge, nanoseconds, > 0 */
    double* edge_loss;       /* by edge, in [0, 1] */
    igraph_vector_t weights; /* by edge, edge_latency as double, for Dijkstra */
};

GQuark umbra_graph_error_quark(void) {
    return g_quark_from_static_string("umbra-graph-error-quark");
}

static void _graph_setError(GError** error, GraphError code, const char* where, uint32_t line,
                            const char* fmt, ...) G_GNUC_PRINTF(5, 6);

static void _graph_setError(GError** error, GraphError code, const char* where, uint32_t line,
                            const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char* what = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_set_error(error, UMBRA_GRAPH_ERROR, code, "%s:%u: %s", where, line, what);
    g_free(what);
}

/* ---------------------------------------------------------------------------------------------
 * Reading files
 * ------------------------------------------------------------------------------------------- */

/* Reads the whole file. Returns 0 and a g_malloc'ed buffer, or -errno. */
static int _graph_readFile(const char* path, char** data_out, size_t* len_out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    size_t cap = 65536;
    size_t len = 0;
    char* data = g_malloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            data = g_realloc(data, cap);
        }
        ssize_t n = read(fd, data + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int err = -errno;
            close(fd);
            g_free(data);
            return err;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    close(fd);
    *data_out = data;
    *len_out = len;
    return 0;
}

static const char* _graph_lzmaReason(lzma_ret ret) {
    switch (ret) {
        case LZMA_FORMAT_ERROR:
            return "not in the xz format";
        case LZMA_DATA_ERROR:
            return "compressed data is corrupt";
        case LZMA_BUF_ERROR:
            return "compressed data is truncated";
        case LZMA_OPTIONS_ERROR:
            return "unsupported compression options";
        case LZMA_MEM_ERROR:
            return "out of memory";
        default:
            return "decoder error";
    }
}

/* Decompresses a whole .xz buffer (all concatenated streams). */
static bool _graph_unxz(const char* path, const char* in, size_t in_len, char** out_data,
                        size_t* out_len, GError** error) {
    lzma_stream strm = LZMA_STREAM_INIT;
    lzma_ret ret = lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED);
    if (ret != LZMA_OK) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_IO, "%s: cannot decompress xz data: %s",
                    path, _graph_lzmaReason(ret));
        return false;
    }
    size_t cap = in_len * 4 + 4096;
    char* out = g_malloc(cap);
    strm.next_in = (const uint8_t*)in;
    strm.avail_in = in_len;
    strm.next_out = (uint8_t*)out;
    strm.avail_out = cap;
    for (;;) {
        ret = lzma_code(&strm, LZMA_FINISH);
        if (ret == LZMA_STREAM_END) {
            break;
        }
        if (ret == LZMA_OK && strm.avail_out == 0) {
            size_t used = cap;
            cap *= 2;
            out = g_realloc(out, cap);
            strm.next_out = (uint8_t*)out + used;
            strm.avail_out = cap - used;
            continue;
        }
        /* LZMA_OK with output room left cannot happen with LZMA_FINISH unless input is missing. */
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_IO, "%s: xz data corrupt: %s", path,
                    _graph_lzmaReason(ret == LZMA_OK ? LZMA_BUF_ERROR : ret));
        lzma_end(&strm);
        g_free(out);
        return false;
    }
    *out_len = cap - strm.avail_out;
    lzma_end(&strm);
    *out_data = out;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Interpreting the GML tree
 * ------------------------------------------------------------------------------------------- */

static int _graph_compareIdEntry(const void* a, const void* b) {
    const GraphIdEntry* x = a;
    const GraphIdEntry* y = b;
    if (x->id != y->id) {
        return x->id < y->id ? -1 : 1;
    }
    return x->vertex < y->vertex ? -1 : (x->vertex > y->vertex ? 1 : 0);
}

/* Reads a uint32 id attribute (`id`, `source`, `target`) of a node or edge block. */
static bool _graph_getId(const GmlItem* block, const char* what, const char* key, const char* where,
                         uint32_t* out, GError** error) {
    const GmlItem* item = gml_lookup(block, key);
    if (item == NULL) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, block->line, "%s has no '%s'", what,
                        key);
        return false;
    }
    if (item->type != GML_VALUE_INT) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, item->line, "%s '%s' is not an int",
                        what, key);
        return false;
    }
    if (item->value.i < 0 || item->value.i > UINT32_MAX) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, item->line,
                        "%s '%s' %" PRId64 " is not in [0, %u]", what, key, item->value.i,
                        UINT32_MAX);
        return false;
    }
    *out = (uint32_t)item->value.i;
    return true;
}

/* Reads an optional bandwidth attribute of a node block. */
static bool _graph_getBandwidth(const GmlItem* block, const char* key, const char* where,
                                bool* has_out, uint64_t* bits_out, GError** error) {
    const GmlItem* item = gml_lookup(block, key);
    if (item == NULL) {
        *has_out = false;
        return true;
    }
    if (item->type != GML_VALUE_STRING) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, item->line, "Node '%s' is not a string",
                        key);
        return false;
    }
    int rc = units_parseBandwidth(item->value.s, bits_out);
    if (rc != 0) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, item->line,
                        "Node '%s' \"%s\" is not a valid bandwidth%s", key, item->value.s,
                        rc == -ERANGE ? " (too large)" : "");
        return false;
    }
    *has_out = true;
    return true;
}

/* Reads a time attribute (`latency`, `jitter`) of an edge block; `item` is present. */
static bool _graph_getTime(const GmlItem* item, const char* where, SimTime* out, GError** error) {
    if (item->type != GML_VALUE_STRING) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, item->line, "Edge '%s' is not a string",
                        item->key);
        return false;
    }
    uint64_t ns = 0;
    int rc = units_parseTime(item->value.s, &ns);
    if (rc != 0) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, item->line,
                        "Edge '%s' \"%s\" is not a valid time%s", item->key, item->value.s,
                        rc == -ERANGE ? " (too large)" : "");
        return false;
    }
    *out = ns;
    return true;
}

static bool _graph_readDirected(const GmlItem* graph, const char* where, bool* directed_out,
                                GError** error) {
    const GmlItem* item = gml_lookup(graph, "directed");
    *directed_out = false;
    if (item == NULL) {
        return true;
    }
    if (item->type != GML_VALUE_INT || (item->value.i != 0 && item->value.i != 1)) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, item->line, "'directed' must be 0 or 1");
        return false;
    }
    *directed_out = item->value.i == 1;
    return true;
}

/* Fills g->nodes and g->by_id from the `node` blocks. */
static bool _graph_readNodes(Graph* g, const GmlItem* graph, const char* where, GError** error) {
    GArray* nodes = g_array_new(FALSE, TRUE, sizeof(GraphNode));
    for (size_t i = 0; i < graph->value.list.n_items; i++) {
        const GmlItem* block = &graph->value.list.items[i];
        if (strcmp(block->key, "node") != 0) {
            continue;
        }
        if (block->type != GML_VALUE_LIST) {
            _graph_setError(error, GRAPH_ERROR_INVALID, where, block->line, "'node' is not a list");
            goto fail;
        }
        GraphNode node = {.line = block->line};
        if (!_graph_getId(block, "Node", "id", where, &node.id, error) ||
            !_graph_getBandwidth(block, "host_bandwidth_up", where, &node.has_bw_up, &node.bw_up,
                                 error) ||
            !_graph_getBandwidth(block, "host_bandwidth_down", where, &node.has_bw_down,
                                 &node.bw_down, error)) {
            goto fail;
        }
        g_array_append_val(nodes, node);
    }
    g->n_nodes = nodes->len;
    g->nodes = (GraphNode*)g_array_free(nodes, FALSE);

    g->by_id = g_new(GraphIdEntry, g->n_nodes > 0 ? g->n_nodes : 1);
    for (size_t v = 0; v < g->n_nodes; v++) {
        g->by_id[v] = (GraphIdEntry){.id = g->nodes[v].id, .vertex = (igraph_integer_t)v};
    }
    qsort(g->by_id, g->n_nodes, sizeof(GraphIdEntry), _graph_compareIdEntry);
    /* Report the duplicate whose second definition comes first in the file. */
    const GraphIdEntry* dup = NULL;
    for (size_t k = 1; k < g->n_nodes; k++) {
        if (g->by_id[k].id == g->by_id[k - 1].id &&
            (dup == NULL || g->by_id[k].vertex < dup->vertex)) {
            dup = &g->by_id[k];
        }
    }
    if (dup != NULL) {
        const GraphIdEntry* first = dup - 1;
        while (first > g->by_id && (first - 1)->id == dup->id) {
            first--;
        }
        _graph_setError(error, GRAPH_ERROR_INVALID, where, g->nodes[dup->vertex].line,
                        "duplicate node id %u (first on line %u)", dup->id,
                        g->nodes[first->vertex].line);
        return false;
    }
    return true;

fail:
    g_array_free(nodes, TRUE);
    return false;
}

/* Reads `source` or `target` and maps it to a vertex. */
static bool _graph_getEndpoint(const Graph* g, const GmlItem* block, const char* key,
                               const char* where, igraph_integer_t* vertex_out, GError** error) {
    uint32_t id = 0;
    if (!_graph_getId(block, "Edge", key, where, &id, error)) {
        return false;
    }
    if (!graph_getVertex(g, id, vertex_out)) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, gml_lookup(block, key)->line,
                        "Edge '%s' %u is not the id of a node", key, id);
        return false;
    }
    return true;
}

/* Checks one `edge` block; appends its endpoints to `ends` and its attributes to the arrays. */
static bool _graph_readEdge(const Graph* g, const GmlItem* block, const char* where,
                            igraph_vector_int_t* ends, GArray* latencies, GArray* losses,
                            GError** error) {
    if (block->type != GML_VALUE_LIST) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, block->line, "'edge' is not a list");
        return false;
    }
    igraph_integer_t src = 0;
    igraph_integer_t dst = 0;
    if (!_graph_getEndpoint(g, block, "source", where, &src, error) ||
        !_graph_getEndpoint(g, block, "target", where, &dst, error)) {
        return false;
    }
    const GmlItem* latency_item = gml_lookup(block, "latency");
    if (latency_item == NULL) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, block->line, "Edge has no 'latency'");
        return false;
    }
    SimTime latency = 0;
    if (!_graph_getTime(latency_item, where, &latency, error)) {
        return false;
    }
    if (latency == 0) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, latency_item->line,
                        "Edge 'latency' must not be zero");
        return false;
    }
    const GmlItem* jitter_item = gml_lookup(block, "jitter");
    SimTime jitter = 0; /* parsed for its checks, then ignored as in Shadow */
    if (jitter_item != NULL && !_graph_getTime(jitter_item, where, &jitter, error)) {
        return false;
    }
    double loss = 0.0;
    const GmlItem* loss_item = gml_lookup(block, "packet_loss");
    if (loss_item != NULL) {
        if (loss_item->type != GML_VALUE_FLOAT) {
            _graph_setError(error, GRAPH_ERROR_INVALID, where, loss_item->line,
                            "Edge 'packet_loss' is not a float");
            return false;
        }
        loss = loss_item->value.f;
        if (!(loss >= 0.0 && loss <= 1.0)) {
            _graph_setError(error, GRAPH_ERROR_INVALID, where, loss_item->line,
                            "Edge 'packet_loss' %g is not in [0, 1]", loss);
            return false;
        }
    }
    if (igraph_vector_int_push_back(ends, src) != IGRAPH_SUCCESS ||
        igraph_vector_int_push_back(ends, dst) != IGRAPH_SUCCESS) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, block->line, "out of memory");
        return false;
    }
    g_array_append_val(latencies, latency);
    g_array_append_val(losses, loss);
    return true;
}

/* Reads the `edge` blocks and builds the igraph graph. */
static bool _graph_readEdges(Graph* g, const GmlItem* graph, const char* where, GError** error) {
    igraph_vector_int_t ends;
    if (igraph_vector_int_init(&ends, 0) != IGRAPH_SUCCESS) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, graph->line, "out of memory");
        return false;
    }
    GArray* latencies = g_array_new(FALSE, FALSE, sizeof(SimTime));
    GArray* losses = g_array_new(FALSE, FALSE, sizeof(double));
    bool ok = false;
    for (size_t i = 0; i < graph->value.list.n_items; i++) {
        const GmlItem* block = &graph->value.list.items[i];
        if (strcmp(block->key, "edge") == 0 &&
            !_graph_readEdge(g, block, where, &ends, latencies, losses, error)) {
            goto out;
        }
    }
    g->n_edges = latencies->len;
    if (igraph_create(&g->ig, &ends, (igraph_integer_t)g->n_nodes, g->directed) != IGRAPH_SUCCESS) {
        _graph_setError(error, GRAPH_ERROR_INVALID, where, graph->line, "igraph_create failed");
        goto out;
    }
    if (igraph_vector_init(&g->weights, (igraph_integer_t)g->n_edges) != IGRAPH_SUCCESS) {
        igraph_destroy(&g->ig);
        _graph_setError(error, GRAPH_ERROR_INVALID, where, graph->line, "out of memory");
        goto out;
    }
    for (size_t e = 0; e < g->n_edges; e++) {
        VECTOR(g->weights)[e] = (double)g_array_index(latencies, SimTime, e);
    }
    ok = true;

out:
    igraph_vector_int_destroy(&ends);
    g->edge_latency = (SimTime*)g_array_free(latencies, !ok);
    g->edge_loss = (double*)g_array_free(losses, !ok);
    return ok;
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------- */

Graph* graph_loadGml(const char* text, size_t len, const char* where, GError** error) {
    GError* local = NULL;
    GmlDoc* doc = gml_parse(text, len, where, &local);
    if (doc == NULL) {
        g_set_error_literal(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_SYNTAX, local->message);
        g_error_free(local);
        return NULL;
    }
    const GmlItem* graph = gml_getGraph(doc);
    Graph* g = g_new0(Graph, 1);
    if (!_graph_readDirected(graph, where, &g->directed, error) ||
        !_graph_readNodes(g, graph, where, error)) {
        goto fail;
    }
    if (!_graph_readEdges(g, graph, where, error)) {
        goto fail;
    }
    gml_free(doc);
    return g;

fail:
    gml_free(doc);
    g_free(g->nodes);
    g_free(g->by_id);
    g_free(g);
    return NULL;
}

Graph* graph_load(const GraphSpec* spec, GError** error) {
    switch (spec->type) {
        case GRAPH_SPEC_1_GBIT_SWITCH:
            return graph_loadGml(_graph_oneGbitSwitch, sizeof(_graph_oneGbitSwitch) - 1,
                                 "built-in 1_gbit_switch graph", error);
        case GRAPH_SPEC_GML_INLINE:
            return graph_loadGml(spec->inline_text, strlen(spec->inline_text), "inline graph",
                                 error);
        case GRAPH_SPEC_GML_FILE:
            break;
    }

    char* data = NULL;
    size_t len = 0;
    int rc = _graph_readFile(spec->path, &data, &len);
    if (rc != 0) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_IO, "%s: cannot read graph file: %s",
                    spec->path, g_strerror(-rc));
        return NULL;
    }
    if (spec->xz) {
        char* plain = NULL;
        size_t plain_len = 0;
        bool ok = _graph_unxz(spec->path, data, len, &plain, &plain_len, error);
        g_free(data);
        if (!ok) {
            return NULL;
        }
        data = plain;
        len = plain_len;
    }
    Graph* g = graph_loadGml(data, len, spec->path, error);
    g_free(data);
    return g;
}

void graph_free(Graph* g) {
    if (g == NULL) {
        return;
    }
    igraph_destroy(&g->ig);
    igraph_vector_destroy(&g->weights);
    g_free(g->nodes);
    g_free(g->by_id);
    g_free(g->edge_latency);
    g_free(g->edge_loss);
    g_free(g);
}

bool graph_isDirected(const Graph* g) {
    return g->directed;
}

size_t graph_getNodeCount(const Graph* g) {
    return g->n_nodes;
}

size_t graph_getEdgeCount(const Graph* g) {
    return g->n_edges;
}

bool graph_getVertex(const Graph* g, uint32_t node_id, igraph_integer_t* vertex_out) {
    size_t lo = 0;
    size_t hi = g->n_nodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->by_id[mid].id < node_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < g->n_nodes && g->by_id[lo].id == node_id) {
        *vertex_out = g->by_id[lo].vertex;
        return true;
    }
    return false;
}

bool graph_hasNode(const Graph* g, uint32_t node_id) {
    igraph_integer_t v = 0;
    return graph_getVertex(g, node_id, &v);
}

bool graph_getNodeBandwidthUp(const Graph* g, uint32_t node_id, uint64_t* bits_out) {
    igraph_integer_t v = 0;
    if (!graph_getVertex(g, node_id, &v) || !g->nodes[v].has_bw_up) {
        return false;
    }
    *bits_out = g->nodes[v].bw_up;
    return true;
}

bool graph_getNodeBandwidthDown(const Graph* g, uint32_t node_id, uint64_t* bits_out) {
    igraph_integer_t v = 0;
    if (!graph_getVertex(g, node_id, &v) || !g->nodes[v].has_bw_down) {
        return false;
    }
    *bits_out = g->nodes[v].bw_down;
    return true;
}

const igraph_t* graph_getIgraph(const Graph* g) {
    return &g->ig;
}

const igraph_vector_t* graph_getLatencyWeights(const Graph* g) {
    return &g->weights;
}

uint32_t graph_getNodeId(const Graph* g, igraph_integer_t vertex) {
    g_assert(vertex >= 0 && (size_t)vertex < g->n_nodes);
    return g->nodes[vertex].id;
}

SimTime graph_getEdgeLatency(const Graph* g, igraph_integer_t edge) {
    g_assert(edge >= 0 && (size_t)edge < g->n_edges);
    return g->edge_latency[edge];
}

double graph_getEdgeLoss(const Graph* g, igraph_integer_t edge) {
    g_assert(edge >= 0 && (size_t)edge < g->n_edges);
    return g->edge_loss[edge];
}

const double* graph_getEdgeLosses(const Graph* g) {
    return g->edge_loss;
}
