/* The routing table (compat.md 2.2).
 *
 * Shortest paths: for each used node s, igraph's Dijkstra gives dist[v], the smallest total latency
 * from s. Among the paths of that latency Shadow picks the one of smallest loss. An arc u->v is
 * "tight" when dist[u] + w(u,v) == dist[v]; the minimum-latency paths are exactly the paths made of
 * tight arcs. Latencies are positive, so along a tight arc dist strictly grows, and a dynamic
 * program over vertices in increasing dist order gives, exactly, the smallest loss over all
 * minimum-latency paths: loss[s] = 0, loss[v] = min over tight u->v of 1 - (1 - loss[u])(1 - p).
 * This is the same arithmetic Shadow applies when it extends a path by one edge. The comparisons
 * are exact because latencies are whole nanoseconds held in doubles, and path totals are checked
 * to stay at or below 2^53.
 *
 * Dijkstra does not run on the Graph's own igraph_t but on a derived directed one ("arcs"): an
 * undirected edge becomes two arcs, self-loops are dropped (a path never uses them), and of
 * parallel arcs only the best (lowest latency, then lowest loss) is kept, which changes no path
 * value. Arcs are numbered in (from, to) order, so each vertex's out-arcs are consecutive: igraph
 * and the DP then read the weight arrays sequentially, about 3x faster on a complete graph.
 *
 * A node to itself always uses its unique self-loop, never the empty path. With
 * use_shortest_path false every ordered pair uses its unique direct edge.
 *
 * The table is a dense n*n array over the sorted distinct used node ids; lookups binary-search the
 * ids. Output never depends on hash order: everything is indexed by sorted ids or igraph ids. */
#include "main/routing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest path latency (ns) whose double sum is exact. */
#define ROUTING_MAX_EXACT_LATENCY ((double)(1ULL << 53))

struct _RoutingTable {
    size_t n;         /* distinct used nodes */
    uint32_t* nodes;  /* the used node ids, sorted ascending */
    PathInfo* paths;  /* n*n; paths[i*n + j] is nodes[i] -> nodes[j] */
    SimTime smallest; /* minimum latency in `paths`; SIMTIME_MAX when n == 0 */
};

/* Sources per igraph_distances_dijkstra call: one call shares igraph's adjacency cache across its
 * sources, and the batch bounds the distance matrix to ROUTING_BATCH x n_vertices doubles. */
#define ROUTING_BATCH 32

/* The directed graph Dijkstra runs on (see the top of the file), in CSR form. */
typedef struct {
    igraph_t ig;             /* directed; arc a is igraph edge a */
    igraph_vector_t weights; /* latency by arc, ns as double */
    igraph_integer_t* first; /* n_vertices + 1 offsets: out-arcs of v are first[v]..first[v+1]-1 */
    igraph_integer_t* to;    /* head of each arc */
    double* loss;            /* packet loss of each arc */
} RoutingArcs;

/* An arc while the CSR is being built. */
typedef struct {
    igraph_integer_t to; /* head */
    SimTime latency;     /* ns */
    double loss;         /* packet loss */
} RoutingArc;

/* Per-source scratch for the loss DP. */
typedef struct {
    const RoutingArcs* arcs; /* the Dijkstra graph */
    igraph_matrix_t dist;    /* batch x n_vertices distances (column-major) */
    double* row;             /* distances from the current source, contiguous */
    igraph_integer_t* order; /* reached vertices sorted by distance */
    double* loss;            /* best loss per vertex from the current source */
} RoutingScratch;

static int _routing_compareU32(const void* a, const void* b) {
    uint32_t x = *(const uint32_t*)a;
    uint32_t y = *(const uint32_t*)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Position of `id` in the sorted t->nodes, or -1. */
static ssize_t _routing_findNode(const RoutingTable* t, uint32_t id) {
    size_t lo = 0;
    size_t hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->nodes[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (lo < t->n && t->nodes[lo] == id) ? (ssize_t)lo : -1;
}

static void _routing_setEdgeCountError(GError** error, uint32_t src, uint32_t dst, uint32_t count) {
    g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING, "%s edge connecting node %u to %u",
                count == 0 ? "No" : "More than one", src, dst);
}

/* Counts the direct edges between used nodes. counts/edges are n*n (self-loops only on the
 * diagonal when `self_only`). An undirected edge serves both directions. */
static void _routing_countEdges(const Graph* g, const RoutingTable* t,
                                const ssize_t* used_of_vertex, bool self_only, uint32_t* counts,
                                igraph_integer_t* edges) {
    const igraph_t* ig = graph_getIgraph(g);
    bool directed = graph_isDirected(g);
    size_t n_edges = graph_getEdgeCount(g);
    for (size_t e = 0; e < n_edges; e++) {
        igraph_integer_t from = IGRAPH_FROM(ig, e);
        igraph_integer_t to = IGRAPH_TO(ig, e);
        ssize_t a = used_of_vertex[from];
        ssize_t b = used_of_vertex[to];
        if (a < 0 || b < 0 || (self_only && a != b)) {
            continue;
        }
        counts[a * t->n + b]++;
        edges[a * t->n + b] = (igraph_integer_t)e;
        if (!directed && a != b) {
            counts[b * t->n + a]++;
            edges[b * t->n + a] = (igraph_integer_t)e;
        }
    }
}

/* Fills the entries of the direct edges: every pair when `self_only` is false, otherwise the
 * diagonal. Fails on the first pair (in table order) without exactly one edge. */
static bool _routing_fillDirect(const Graph* g, RoutingTable* t, const ssize_t* used_of_vertex,
                                bool self_only, GError** error) {
    size_t cells = t->n * t->n;
    uint32_t* counts = g_new0(uint32_t, cells > 0 ? cells : 1);
    igraph_integer_t* edges = g_new0(igraph_integer_t, cells > 0 ? cells : 1);
    _routing_countEdges(g, t, used_of_vertex, self_only, counts, edges);
    bool ok = true;
    for (size_t a = 0; a < t->n && ok; a++) {
        for (size_t b = 0; b < t->n; b++) {
            if (self_only && a != b) {
                continue;
            }
            size_t cell = a * t->n + b;
            if (counts[cell] != 1) {
                _routing_setEdgeCountError(error, t->nodes[a], t->nodes[b], counts[cell]);
                ok = false;
                break;
            }
            t->paths[cell] = (PathInfo){
                .latency = graph_getEdgeLatency(g, edges[cell]),
                .packet_loss = graph_getEdgeLoss(g, edges[cell]),
            };
        }
    }
    g_free(counts);
    g_free(edges);
    return ok;
}

/* ---------------------------------------------------------------------------------------------
 * Shortest paths
 * ------------------------------------------------------------------------------------------- */

static int _routing_compareArc(const void* a, const void* b) {
    const RoutingArc* x = a;
    const RoutingArc* y = b;
    if (x->to != y->to) {
        return x->to < y->to ? -1 : 1;
    }
    if (x->latency != y->latency) {
        return x->latency < y->latency ? -1 : 1;
    }
    return x->loss < y->loss ? -1 : (x->loss > y->loss ? 1 : 0);
}

/* Builds the Dijkstra graph from `g`. Returns false only when igraph runs out of memory. */
static bool _routing_buildArcs(const Graph* g, RoutingArcs* arcs) {
    const igraph_t* ig = graph_getIgraph(g);
    size_t n = graph_getNodeCount(g);
    size_t m = graph_getEdgeCount(g);
    bool directed = graph_isDirected(g);

    /* Bucket the arcs by tail (counting sort). */
    size_t* start = g_new0(size_t, n + 1);
    for (size_t e = 0; e < m; e++) {
        igraph_integer_t u = IGRAPH_FROM(ig, e);
        igraph_integer_t v = IGRAPH_TO(ig, e);
        if (u != v) {
            start[u + 1]++;
            if (!directed) {
                start[v + 1]++;
            }
        }
    }
    for (size_t v = 0; v < n; v++) {
        start[v + 1] += start[v];
    }
    RoutingArc* tmp = g_new(RoutingArc, start[n] > 0 ? start[n] : 1);
    size_t* fill = g_memdup2(start, (n + 1) * sizeof(size_t));
    for (size_t e = 0; e < m; e++) {
        igraph_integer_t u = IGRAPH_FROM(ig, e);
        igraph_integer_t v = IGRAPH_TO(ig, e);
        if (u == v) {
            continue;
        }
        RoutingArc arc = {.latency = graph_getEdgeLatency(g, e), .loss = graph_getEdgeLoss(g, e)};
        arc.to = v;
        tmp[fill[u]++] = arc;
        if (!directed) {
            arc.to = u;
            tmp[fill[v]++] = arc;
        }
    }
    g_free(fill);

    /* Sort each bucket by head and keep the best arc per (tail, head). */
    arcs->first = g_new(igraph_integer_t, n + 1);
    arcs->to = g_new(igraph_integer_t, start[n] > 0 ? start[n] : 1);
    arcs->loss = g_new(double, start[n] > 0 ? start[n] : 1);
    igraph_vector_int_t ends;
    bool ok = igraph_vector_int_init(&ends, 0) == IGRAPH_SUCCESS &&
              igraph_vector_init(&arcs->weights, 0) == IGRAPH_SUCCESS;
    size_t n_arcs = 0;
    for (size_t u = 0; u < n && ok; u++) {
        arcs->first[u] = (igraph_integer_t)n_arcs;
        RoutingArc* bucket = tmp + start[u];
        size_t len = start[u + 1] - start[u];
        qsort(bucket, len, sizeof(RoutingArc), _routing_compareArc);
        for (size_t i = 0; i < len && ok; i++) {
            if (i > 0 && bucket[i].to == bucket[i - 1].to) {
                continue;
            }
            arcs->to[n_arcs] = bucket[i].to;
            arcs->loss[n_arcs] = bucket[i].loss;
            n_arcs++;
            ok = igraph_vector_int_push_back(&ends, (igraph_integer_t)u) == IGRAPH_SUCCESS &&
                 igraph_vector_int_push_back(&ends, bucket[i].to) == IGRAPH_SUCCESS &&
                 igraph_vector_push_back(&arcs->weights, (double)bucket[i].latency) ==
                     IGRAPH_SUCCESS;
        }
    }
    arcs->first[n] = (igraph_integer_t)n_arcs;
    g_free(tmp);
    g_free(start);
    /* Edges given in (from, to) order keep their ids and make igraph's out-index the identity. */
    ok = ok &&
         igraph_create(&arcs->ig, &ends, (igraph_integer_t)n, IGRAPH_DIRECTED) == IGRAPH_SUCCESS;
    igraph_vector_int_destroy(&ends);
    if (!ok) {
        igraph_vector_destroy(&arcs->weights);
        g_free(arcs->first);
        g_free(arcs->to);
        g_free(arcs->loss);
    }
    return ok;
}

static void _routing_freeArcs(RoutingArcs* arcs) {
    igraph_destroy(&arcs->ig);
    igraph_vector_destroy(&arcs->weights);
    g_free(arcs->first);
    g_free(arcs->to);
    g_free(arcs->loss);
}

/* Sorts vertices by distance; the qsort_r context is the distance row. */
static int _routing_compareByDist(const void* a, const void* b, void* ctx) {
    const double* row = ctx;
    igraph_integer_t x = *(const igraph_integer_t*)a;
    igraph_integer_t y = *(const igraph_integer_t*)b;
    if (row[x] != row[y]) {
        return row[x] < row[y] ? -1 : 1;
    }
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* The loss DP from `src` over s->row (its distances): fills s->loss for every reached vertex,
 * pushing along tight out-arcs in increasing distance order, so a vertex's loss is final before it
 * is pushed from. */
static void _routing_computeLoss(RoutingScratch* s, igraph_integer_t src) {
    const RoutingArcs* arcs = s->arcs;
    const double* row = s->row;
    const double* w = VECTOR(arcs->weights);
    igraph_integer_t n_vertices = igraph_vcount(&arcs->ig);
    igraph_integer_t n_reached = 0;
    for (igraph_integer_t v = 0; v < n_vertices; v++) {
        s->loss[v] = INFINITY;
        if (isfinite(row[v])) {
            s->order[n_reached++] = v;
        }
    }
    qsort_r(s->order, (size_t)n_reached, sizeof(igraph_integer_t), _routing_compareByDist, s->row);

    /* order[0] is the source: it alone has distance 0, since every latency is positive. */
    g_assert(n_reached > 0 && s->order[0] == src);
    s->loss[src] = 0.0;
    for (igraph_integer_t k = 0; k < n_reached; k++) {
        igraph_integer_t u = s->order[k];
        double du = row[u];
        double keep = 1.0 - s->loss[u];
        for (igraph_integer_t a = arcs->first[u]; a < arcs->first[u + 1]; a++) {
            igraph_integer_t v = arcs->to[a];
            if (du + w[a] == row[v]) {
                double cand = 1.0 - keep * (1.0 - arcs->loss[a]);
                if (cand < s->loss[v]) {
                    s->loss[v] = cand;
                }
            }
        }
    }
}

/* Fills row `si` of the table, except the diagonal, from s->row and s->loss. */
static bool _routing_fillRow(RoutingScratch* s, RoutingTable* t, const igraph_integer_t* vertices,
                             size_t si, GError** error) {
    for (size_t ti = 0; ti < t->n; ti++) {
        if (ti == si) {
            continue;
        }
        double d = s->row[vertices[ti]];
        if (!isfinite(d)) {
            g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                        "No path from node %u to node %u", t->nodes[si], t->nodes[ti]);
            return false;
        }
        if (d > ROUTING_MAX_EXACT_LATENCY) {
            g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                        "The path from node %u to node %u is too long (over 2^53 ns)", t->nodes[si],
                        t->nodes[ti]);
            return false;
        }
        /* igraph stored dist[v] = dist[u] + w for some arc, so one tight arc always matches. */
        g_assert(isfinite(s->loss[vertices[ti]]));
        t->paths[si * t->n + ti] = (PathInfo){
            .latency = (SimTime)d,
            .packet_loss = s->loss[vertices[ti]],
        };
    }
    return true;
}

/* Dijkstra (igraph) for sources [first, first + count) of the table, then the loss DP per source.
 */
static bool _routing_fillBatch(RoutingScratch* s, RoutingTable* t, const igraph_integer_t* vertices,
                               size_t first, size_t count, GError** error) {
    igraph_vector_int_t from = {0}; /* filled by the view; gcc -O0 cannot see that */
    igraph_vector_int_view(&from, vertices + first, (igraph_integer_t)count);
    if (igraph_distances_dijkstra(&s->arcs->ig, &s->dist, igraph_vss_vector(&from),
                                  igraph_vss_all(), &s->arcs->weights,
                                  IGRAPH_OUT) != IGRAPH_SUCCESS) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                    "igraph_distances_dijkstra failed from node %u", t->nodes[first]);
        return false;
    }
    igraph_integer_t n_vertices = igraph_vcount(&s->arcs->ig);
    for (size_t r = 0; r < count; r++) {
        for (igraph_integer_t v = 0; v < n_vertices; v++) {
            s->row[v] = MATRIX(s->dist, (igraph_integer_t)r, v);
        }
        _routing_computeLoss(s, vertices[first + r]);
        if (!_routing_fillRow(s, t, vertices, first + r, error)) {
            return false;
        }
    }
    return true;
}

static bool _routing_fillShortest(const Graph* g, RoutingTable* t, const igraph_integer_t* vertices,
                                  GError** error) {
    RoutingArcs arcs;
    if (!_routing_buildArcs(g, &arcs)) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                    "out of memory building the routing graph");
        return false;
    }
    size_t n_vertices = graph_getNodeCount(g);
    RoutingScratch s = {
        .arcs = &arcs,
        .row = g_new(double, n_vertices > 0 ? n_vertices : 1),
        .order = g_new(igraph_integer_t, n_vertices > 0 ? n_vertices : 1),
        .loss = g_new(double, n_vertices > 0 ? n_vertices : 1),
    };
    bool ok = igraph_matrix_init(&s.dist, 0, 0) == IGRAPH_SUCCESS;
    if (!ok) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING, "igraph_matrix_init failed");
    } else {
        for (size_t first = 0; first < t->n && ok; first += ROUTING_BATCH) {
            size_t count = MIN((size_t)ROUTING_BATCH, t->n - first);
            ok = _routing_fillBatch(&s, t, vertices, first, count, error);
        }
        igraph_matrix_destroy(&s.dist);
    }
    g_free(s.row);
    g_free(s.order);
    g_free(s.loss);
    _routing_freeArcs(&arcs);
    return ok;
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------- */

RoutingTable* routing_build(const Graph* g, const uint32_t* used_nodes, size_t n_used,
                            bool use_shortest_path, GError** error) {
    RoutingTable* t = g_new0(RoutingTable, 1);
    t->nodes = g_new(uint32_t, n_used > 0 ? n_used : 1);
    if (n_used > 0) {
        memcpy(t->nodes, used_nodes, n_used * sizeof(uint32_t));
    }
    qsort(t->nodes, n_used, sizeof(uint32_t), _routing_compareU32);
    for (size_t i = 0; i < n_used; i++) {
        if (t->n == 0 || t->nodes[t->n - 1] != t->nodes[i]) {
            t->nodes[t->n++] = t->nodes[i];
        }
    }
    t->paths = g_new0(PathInfo, t->n * t->n > 0 ? t->n * t->n : 1);

    size_t n_vertices = graph_getNodeCount(g);
    igraph_integer_t* vertices = g_new(igraph_integer_t, t->n > 0 ? t->n : 1);
    ssize_t* used_of_vertex = g_new(ssize_t, n_vertices > 0 ? n_vertices : 1);
    for (size_t v = 0; v < n_vertices; v++) {
        used_of_vertex[v] = -1;
    }
    bool ok = true;
    for (size_t i = 0; i < t->n && ok; i++) {
        if (!graph_getVertex(g, t->nodes[i], &vertices[i])) {
            g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                        "The network node id %u does not exist", t->nodes[i]);
            ok = false;
            break;
        }
        used_of_vertex[vertices[i]] = (ssize_t)i;
    }
    if (ok && use_shortest_path) {
        /* Self-loops first, so a missing one is reported before any Dijkstra runs. */
        ok = _routing_fillDirect(g, t, used_of_vertex, true, error) &&
             _routing_fillShortest(g, t, vertices, error);
    } else if (ok) {
        ok = _routing_fillDirect(g, t, used_of_vertex, false, error);
    }
    g_free(vertices);
    g_free(used_of_vertex);
    if (!ok) {
        routing_free(t);
        return NULL;
    }

    t->smallest = SIMTIME_MAX;
    for (size_t i = 0; i < t->n * t->n; i++) {
        if (t->paths[i].latency < t->smallest) {
            t->smallest = t->paths[i].latency;
        }
    }
    return t;
}

void routing_free(RoutingTable* t) {
    if (t == NULL) {
        return;
    }
    g_free(t->nodes);
    g_free(t->paths);
    g_free(t);
}

const PathInfo* routing_lookup(const RoutingTable* t, uint32_t src_node, uint32_t dst_node) {
    ssize_t a = _routing_findNode(t, src_node);
    ssize_t b = _routing_findNode(t, dst_node);
    if (a < 0 || b < 0) {
        return NULL;
    }
    return &t->paths[(size_t)a * t->n + (size_t)b];
}

SimTime routing_getSmallestLatency(const RoutingTable* t) {
    return t->smallest;
}

size_t routing_getNodeCount(const RoutingTable* t) {
    return t->n;
}
