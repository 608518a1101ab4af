/* The routing table (compat.md 2.2).
 *
 * Shortest paths: for each used node s, igraph's Dijkstra gives dist[v], the smallest total latency
 * from s. Among the paths of that latency Shadow picks the one of smallest loss. An edge u->v is
 * "tight" when dist[u] + w(u,v) == dist[v]; the minimum-latency paths are exactly the paths made of
 * tight edges. Latencies are positive, so along a tight edge dist strictly grows, and a dynamic
 * program over vertices in increasing dist order gives, exactly, the smallest loss over all
 * minimum-latency paths: loss[s] = 0, loss[v] = min over tight u->v of 1 - (1 - loss[u])(1 - p).
 * This is the same arithmetic Shadow applies when it extends a path by one edge. The comparisons
 * are exact because latencies are whole nanoseconds held in doubles, and path totals are checked
 * to stay at or below 2^53.
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
    size_t n;          /* distinct used nodes */
    uint32_t* nodes;   /* the used node ids, sorted ascending */
    PathInfo* paths;   /* n*n; paths[i*n + j] is nodes[i] -> nodes[j] */
    SimTime smallest;  /* minimum latency in `paths`; SIMTIME_MAX when n == 0 */
};

/* Scratch state for the shortest-path computation. */
typedef struct {
    const Graph* g;                /* the graph */
    const igraph_t* ig;            /* its igraph view */
    const igraph_vector_t* w;      /* latency weights by edge */
    igraph_inclist_t in_edges;     /* incoming edges per vertex (all edges if undirected), no loops */
    igraph_matrix_t dist;          /* 1 x n_vertices distances from the current source */
    igraph_integer_t* order;       /* reachable vertices sorted by distance */
    double* loss;                  /* best loss per vertex from the current source */
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
static void _routing_countEdges(const Graph* g, const RoutingTable* t, const ssize_t* used_of_vertex,
                                bool self_only, uint32_t* counts, igraph_integer_t* edges) {
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

/* Sorts vertices by distance; qsort_r context is the distance row. */
static int _routing_compareByDist(const void* a, const void* b, void* ctx) {
    const igraph_matrix_t* dist = ctx;
    igraph_integer_t x = *(const igraph_integer_t*)a;
    igraph_integer_t y = *(const igraph_integer_t*)b;
    double dx = MATRIX(*dist, 0, x);
    double dy = MATRIX(*dist, 0, y);
    if (dx != dy) {
        return dx < dy ? -1 : 1;
    }
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Dijkstra from `src` (a vertex) then the loss DP; fills row `si` of the table except the
 * diagonal. */
static bool _routing_fillFromSource(RoutingScratch* s, RoutingTable* t, const igraph_integer_t* vertices,
                                    size_t si, GError** error) {
    igraph_integer_t src = vertices[si];
    igraph_integer_t n_vertices = igraph_vcount(s->ig);
    if (igraph_distances_dijkstra(s->ig, &s->dist, igraph_vss_1(src), igraph_vss_all(), s->w,
                                  IGRAPH_OUT) != IGRAPH_SUCCESS) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                    "igraph_distances_dijkstra failed from node %u", t->nodes[si]);
        return false;
    }

    igraph_integer_t n_reached = 0;
    for (igraph_integer_t v = 0; v < n_vertices; v++) {
        if (isfinite(MATRIX(s->dist, 0, v))) {
            s->order[n_reached++] = v;
        }
    }
    qsort_r(s->order, (size_t)n_reached, sizeof(igraph_integer_t), _routing_compareByDist,
            &s->dist);

    /* order[0] is the source: it alone has distance 0, since every latency is positive. */
    s->loss[src] = 0.0;
    for (igraph_integer_t k = 1; k < n_reached; k++) {
        igraph_integer_t v = s->order[k];
        double dv = MATRIX(s->dist, 0, v);
        igraph_vector_int_t* inc = igraph_inclist_get(&s->in_edges, v);
        double best = INFINITY;
        for (igraph_integer_t i = 0; i < igraph_vector_int_size(inc); i++) {
            igraph_integer_t e = VECTOR(*inc)[i];
            igraph_integer_t u = IGRAPH_OTHER(s->ig, e, v);
            double du = MATRIX(s->dist, 0, u);
            if (isfinite(du) && du + VECTOR(*s->w)[e] == dv) {
                double cand = 1.0 - (1.0 - s->loss[u]) * (1.0 - graph_getEdgeLoss(s->g, e));
                if (cand < best) {
                    best = cand;
                }
            }
        }
        g_assert(isfinite(best)); /* a reached vertex has a tight incoming edge */
        s->loss[v] = best;
    }

    for (size_t ti = 0; ti < t->n; ti++) {
        if (ti == si) {
            continue;
        }
        double d = MATRIX(s->dist, 0, vertices[ti]);
        if (!isfinite(d)) {
            g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                        "No path from node %u to node %u", t->nodes[si], t->nodes[ti]);
            return false;
        }
        if (d > ROUTING_MAX_EXACT_LATENCY) {
            g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING,
                        "The path from node %u to node %u is too long (over 2^53 ns)",
                        t->nodes[si], t->nodes[ti]);
            return false;
        }
        t->paths[si * t->n + ti] = (PathInfo){
            .latency = (SimTime)d,
            .packet_loss = s->loss[vertices[ti]],
        };
    }
    return true;
}

static bool _routing_fillShortest(const Graph* g, RoutingTable* t, const igraph_integer_t* vertices,
                                  GError** error) {
    const igraph_t* ig = graph_getIgraph(g);
    igraph_integer_t n_vertices = igraph_vcount(ig);
    RoutingScratch s = {
        .g = g,
        .ig = ig,
        .w = graph_getLatencyWeights(g),
        .order = g_new(igraph_integer_t, n_vertices > 0 ? n_vertices : 1),
        .loss = g_new(double, n_vertices > 0 ? n_vertices : 1),
    };
    bool ok = false;
    if (igraph_inclist_init(ig, &s.in_edges, IGRAPH_IN, IGRAPH_NO_LOOPS) != IGRAPH_SUCCESS) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING, "igraph_inclist_init failed");
        goto out_free;
    }
    if (igraph_matrix_init(&s.dist, 1, n_vertices) != IGRAPH_SUCCESS) {
        g_set_error(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING, "igraph_matrix_init failed");
        goto out_inclist;
    }
    ok = true;
    for (size_t si = 0; si < t->n && ok; si++) {
        ok = _routing_fillFromSource(&s, t, vertices, si, error);
    }
    igraph_matrix_destroy(&s.dist);
out_inclist:
    igraph_inclist_destroy(&s.in_edges);
out_free:
    g_free(s.order);
    g_free(s.loss);
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
