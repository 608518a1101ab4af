/* Unit tests for the routing table (routing.c): shortest paths on hand-computed graphs (latency
 * first, then loss, loss combined multiplicatively), the self-loop rule, use_shortest_path false,
 * smallest latency, errors naming the pair, and a cross-check against a brute-force reference. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "main/graph.h"
#include "main/routing.h"

#define GRAPHS_DIR UMBRA_SOURCE_DIR "/tests/graphs"
#define MS SIMTIME_ONE_MILLISECOND

/* The directed variant: ids 1..6, self-loops of 1 ms everywhere. 4->1 ties with 4->5->1 on latency
 * (3 ms); the 2-hop path has the lower loss. Node 6 only has an edge out. */
static const char* const _directedGml =
    "graph [ directed 1\n"
    "  node [ id 1 ] node [ id 2 ] node [ id 3 ] node [ id 4 ] node [ id 5 ] node [ id 6 ]\n"
    "  edge [ source 1 target 1 latency \"1 ms\" ] edge [ source 2 target 2 latency \"1 ms\" ]\n"
    "  edge [ source 3 target 3 latency \"1 ms\" ] edge [ source 4 target 4 latency \"1 ms\" ]\n"
    "  edge [ source 5 target 5 latency \"1 ms\" ] edge [ source 6 target 6 latency \"1 ms\" ]\n"
    "  edge [ source 1 target 2 latency \"10 ms\" packet_loss 0.1 ]\n"
    "  edge [ source 2 target 4 latency \"10 ms\" packet_loss 0.1 ]\n"
    "  edge [ source 1 target 3 latency \"5 ms\" packet_loss 0.0 ]\n"
    "  edge [ source 3 target 4 latency \"15 ms\" packet_loss 0.3 ]\n"
    "  edge [ source 4 target 1 latency \"3 ms\" packet_loss 0.6 ]\n"
    "  edge [ source 4 target 5 latency \"1 ms\" packet_loss 0.0 ]\n"
    "  edge [ source 5 target 1 latency \"2 ms\" packet_loss 0.5 ]\n"
    "  edge [ source 6 target 1 latency \"1 ms\" packet_loss 0.0 ]\n"
    "]\n";

/* A complete undirected graph on 0, 1, 2 where 0-2 direct is slow. */
#define TRIANGLE_NODES                                                                             \
    "graph [ node [ id 0 ] node [ id 1 ] node [ id 2 ]\n"                                          \
    "  edge [ source 0 target 0 latency \"1 ms\" ] edge [ source 1 target 1 latency \"2 ms\" ]\n"  \
    "  edge [ source 2 target 2 latency \"3 ms\" ]\n"                                              \
    "  edge [ source 0 target 1 latency \"1 ms\" packet_loss 0.1 ]\n"

static Graph* _load(const char* text) {
    GError* error = NULL;
    Graph* g = graph_loadGml(text, strlen(text), "inline graph", &error);
    if (g == NULL) {
        ck_abort_msg("unexpected graph error: %s", error->message);
    }
    return g;
}

static Graph* _loadSmall(void) {
    GraphSpec spec = {.type = GRAPH_SPEC_GML_FILE, .path = GRAPHS_DIR "/small.gml"};
    GError* error = NULL;
    Graph* g = graph_load(&spec, &error);
    if (g == NULL) {
        ck_abort_msg("unexpected graph error: %s", error->message);
    }
    return g;
}

static RoutingTable* _build(const Graph* g, const uint32_t* used, size_t n, bool shortest) {
    GError* error = NULL;
    RoutingTable* t = routing_build(g, used, n, shortest, &error);
    if (t == NULL) {
        ck_abort_msg("unexpected routing error: %s", error->message);
    }
    return t;
}

static void _assertBuildError(const Graph* g, const uint32_t* used, size_t n, bool shortest,
                              const char* message) {
    GError* error = NULL;
    RoutingTable* t = routing_build(g, used, n, shortest, &error);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, UMBRA_GRAPH_ERROR, GRAPH_ERROR_ROUTING));
    ck_assert_str_eq(error->message, message);
    g_error_free(error);
}

#define ASSERT_PATH(t, src, dst, lat, loss)                                                        \
    do {                                                                                           \
        const PathInfo* _p = routing_lookup((t), (src), (dst));                                    \
        ck_assert_msg(_p != NULL, "no path %u -> %u", (unsigned)(src), (unsigned)(dst));           \
        ck_assert_msg(_p->latency == (SimTime)(lat),                                               \
                      "%u -> %u: latency %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT,             \
                      (unsigned)(src), (unsigned)(dst), _p->latency, (guint64)(lat));              \
        ck_assert_msg(fabs(_p->packet_loss - (loss)) < 1e-12, "%u -> %u: loss %.17g != %.17g",     \
                      (unsigned)(src), (unsigned)(dst), _p->packet_loss, (double)(loss));          \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Shortest paths
 * ------------------------------------------------------------------------------------------- */

START_TEST(test_shortest_undirected) {
    Graph* g = _loadSmall();
    const uint32_t used[] = {50, 10, 40, 20, 30, 10};
    RoutingTable* t = _build(g, used, G_N_ELEMENTS(used), true);
    ck_assert_uint_eq(routing_getNodeCount(t), 5);

    ASSERT_PATH(t, 10, 20, 10 * MS, 0.1);
    ASSERT_PATH(t, 10, 30, 5 * MS, 0.0);
    /* Tie on 20 ms: 10-20-40 (loss 1 - 0.9 * 0.9) beats 10-30-40 (0.3); 10-40 direct is 30 ms. */
    ASSERT_PATH(t, 10, 40, 20 * MS, 0.19);
    ASSERT_PATH(t, 40, 10, 20 * MS, 0.19);
    ASSERT_PATH(t, 10, 50, 27 * MS, 1.0 - 0.9 * 0.9 * 0.95);
    ASSERT_PATH(t, 50, 10, 27 * MS, 1.0 - 0.9 * 0.9 * 0.95);
    ASSERT_PATH(t, 20, 30, 15 * MS, 0.1);
    ASSERT_PATH(t, 30, 20, 15 * MS, 0.1);
    ASSERT_PATH(t, 20, 50, 17 * MS, 1.0 - 0.9 * 0.95);
    ASSERT_PATH(t, 30, 40, 15 * MS, 0.3);
    ASSERT_PATH(t, 30, 50, 22 * MS, 1.0 - 0.7 * 0.95);
    ASSERT_PATH(t, 50, 30, 22 * MS, 1.0 - 0.7 * 0.95);
    ASSERT_PATH(t, 40, 50, 7 * MS, 0.05);
    /* A node to itself uses its self-loop. */
    ASSERT_PATH(t, 10, 10, 1 * MS, 0.0);
    ASSERT_PATH(t, 30, 30, 3 * MS, 0.01);
    ASSERT_PATH(t, 50, 50, 5 * MS, 0.0);

    /* 60 is in the graph but not used; 99 is not in the graph. */
    ck_assert_ptr_null(routing_lookup(t, 10, 60));
    ck_assert_ptr_null(routing_lookup(t, 60, 10));
    ck_assert_ptr_null(routing_lookup(t, 99, 99));
    ck_assert_uint_eq(routing_getSmallestLatency(t), 1 * MS);
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_shortest_directed) {
    Graph* g = _load(_directedGml);
    const uint32_t used[] = {1, 2, 3, 4, 5};
    RoutingTable* t = _build(g, used, G_N_ELEMENTS(used), true);

    ASSERT_PATH(t, 1, 2, 10 * MS, 0.1);
    ASSERT_PATH(t, 1, 4, 20 * MS, 0.19);
    ASSERT_PATH(t, 1, 5, 21 * MS, 0.19);
    /* 4->1 direct (3 ms, 0.6) ties with 4->5->1 (3 ms, 0.5). */
    ASSERT_PATH(t, 4, 1, 3 * MS, 0.5);
    /* Edges serve one direction only: 2->1 goes round through 4 and 5. */
    ASSERT_PATH(t, 2, 1, 13 * MS, 1.0 - 0.9 * 0.5);
    /* Four hops, loss combined multiplicatively. */
    ASSERT_PATH(t, 3, 2, 28 * MS, 1.0 - 0.7 * 0.5 * 0.9);
    ASSERT_PATH(t, 5, 4, 22 * MS, 1.0 - 0.5 * 0.9 * 0.9);
    ASSERT_PATH(t, 4, 4, 1 * MS, 0.0);
    routing_free(t);

    const uint32_t with6[] = {1, 6};
    _assertBuildError(g, with6, 2, true, "No path from node 1 to node 6");
    const uint32_t from6[] = {6};
    t = _build(g, from6, 1, true);
    ASSERT_PATH(t, 6, 6, 1 * MS, 0.0);
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_unreachable_undirected) {
    Graph* g = _load("graph [ node [ id 0 ] node [ id 1 ] node [ id 2 ]\n"
                     "  edge [ source 0 target 0 latency \"1 ms\" ]\n"
                     "  edge [ source 1 target 1 latency \"1 ms\" ]\n"
                     "  edge [ source 2 target 2 latency \"1 ms\" ]\n"
                     "  edge [ source 0 target 1 latency \"1 ms\" ] ]");
    const uint32_t used[] = {2, 0, 1};
    _assertBuildError(g, used, 3, true, "No path from node 0 to node 2");
    graph_free(g);
}
END_TEST

START_TEST(test_latency_too_large) {
    Graph* g = _load("graph [ node [ id 0 ] node [ id 1 ] node [ id 2 ]\n"
                     "  edge [ source 0 target 0 latency \"1 ms\" ]\n"
                     "  edge [ source 2 target 2 latency \"1 ms\" ]\n"
                     "  edge [ source 0 target 1 latency \"2000 h\" ]\n"
                     "  edge [ source 1 target 2 latency \"2000 h\" ] ]");
    const uint32_t used[] = {0, 2};
    _assertBuildError(g, used, 2, true,
                      "The path from node 0 to node 2 is too long (over 2^53 ns)");
    graph_free(g);
}
END_TEST

START_TEST(test_parallel_edges) {
    /* Parallel edges: the lower latency wins, then the lower loss, in either direction. */
    Graph* g = _load("graph [ node [ id 0 ] node [ id 1 ] node [ id 2 ]\n"
                     "  edge [ source 0 target 0 latency \"1 ms\" ]\n"
                     "  edge [ source 2 target 2 latency \"1 ms\" ]\n"
                     "  edge [ source 0 target 1 latency \"2 ms\" packet_loss 0.3 ]\n"
                     "  edge [ source 1 target 0 latency \"2 ms\" packet_loss 0.1 ]\n"
                     "  edge [ source 0 target 1 latency \"3 ms\" packet_loss 0.0 ]\n"
                     "  edge [ source 1 target 2 latency \"4 ms\" packet_loss 0.2 ]\n"
                     "  edge [ source 2 target 1 latency \"1 ms\" packet_loss 0.9 ]\n"
                     "  edge [ source 2 target 1 latency \"1 ms\" packet_loss 0.5 ] ]");
    const uint32_t used[] = {0, 2};
    RoutingTable* t = _build(g, used, 2, true);
    ASSERT_PATH(t, 0, 2, 3 * MS, 1.0 - 0.9 * 0.5);
    ASSERT_PATH(t, 2, 0, 3 * MS, 1.0 - 0.5 * 0.9);
    routing_free(t);
    graph_free(g);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Self-loops
 * ------------------------------------------------------------------------------------------- */

START_TEST(test_self_loop_rule) {
    Graph* g = _loadSmall();
    /* Two hosts on node 10: the self-loop latency, not 0. */
    const uint32_t same[] = {10, 10};
    RoutingTable* t = _build(g, same, 2, true);
    ck_assert_uint_eq(routing_getNodeCount(t), 1);
    ASSERT_PATH(t, 10, 10, 1 * MS, 0.0);
    ck_assert_uint_eq(routing_getSmallestLatency(t), 1 * MS);
    routing_free(t);

    /* 60 has no self-loop, even though it is reachable. */
    const uint32_t with60[] = {10, 60};
    _assertBuildError(g, with60, 2, true, "No edge connecting node 60 to 60");
    _assertBuildError(g, with60, 2, false, "No edge connecting node 10 to 60");
    graph_free(g);

    g = _load("graph [ node [ id 0 ] node [ id 5 ]\n"
              "  edge [ source 0 target 0 latency \"1 ms\" ]\n"
              "  edge [ source 5 target 5 latency \"1 ms\" ]\n"
              "  edge [ source 5 target 5 latency \"2 ms\" ]\n"
              "  edge [ source 0 target 5 latency \"1 ms\" ] ]");
    const uint32_t both[] = {0, 5};
    _assertBuildError(g, both, 2, true, "More than one edge connecting node 5 to 5");
    _assertBuildError(g, both, 2, false, "More than one edge connecting node 5 to 5");
    const uint32_t zero[] = {0};
    t = _build(g, zero, 1, true);
    ASSERT_PATH(t, 0, 0, 1 * MS, 0.0);
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_self_loop_directed) {
    /* A directed self-loop counts once. */
    Graph* g = _load("graph [ directed 1 node [ id 3 ]\n"
                     "  edge [ source 3 target 3 latency \"7 ms\" packet_loss 0.25 ] ]");
    const uint32_t used[] = {3};
    RoutingTable* t = _build(g, used, 1, true);
    ASSERT_PATH(t, 3, 3, 7 * MS, 0.25);
    routing_free(t);
    t = _build(g, used, 1, false);
    ASSERT_PATH(t, 3, 3, 7 * MS, 0.25);
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_1_gbit_switch) {
    GraphSpec spec = {.type = GRAPH_SPEC_1_GBIT_SWITCH};
    GError* error = NULL;
    Graph* g = graph_load(&spec, &error);
    ck_assert_ptr_nonnull(g);
    const uint32_t used[] = {0, 0, 0};
    for (int shortest = 0; shortest <= 1; shortest++) {
        RoutingTable* t = _build(g, used, 3, shortest);
        ck_assert_uint_eq(routing_getNodeCount(t), 1);
        ASSERT_PATH(t, 0, 0, 1 * MS, 0.0);
        ck_assert_uint_eq(routing_getSmallestLatency(t), 1 * MS);
        routing_free(t);
    }
    graph_free(g);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * use_shortest_path: false
 * ------------------------------------------------------------------------------------------- */

START_TEST(test_direct_complete) {
    Graph* g =
        _load(TRIANGLE_NODES "  edge [ source 1 target 2 latency \"1 ms\" packet_loss 0.2 ]\n"
                             "  edge [ source 2 target 0 latency \"100 ms\" ] ]");
    const uint32_t used[] = {2, 1, 0};
    RoutingTable* t = _build(g, used, 3, false);
    ASSERT_PATH(t, 0, 2, 100 * MS, 0.0);
    ASSERT_PATH(t, 2, 0, 100 * MS, 0.0);
    ASSERT_PATH(t, 1, 0, 1 * MS, 0.1);
    ASSERT_PATH(t, 2, 1, 1 * MS, 0.2);
    ASSERT_PATH(t, 1, 1, 2 * MS, 0.0);
    ck_assert_uint_eq(routing_getSmallestLatency(t), 1 * MS);
    routing_free(t);

    /* The same graph with shortest paths goes round the slow edge. */
    t = _build(g, used, 3, true);
    ASSERT_PATH(t, 0, 2, 2 * MS, 1.0 - 0.9 * 0.8);
    ASSERT_PATH(t, 2, 0, 2 * MS, 1.0 - 0.9 * 0.8);
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_direct_missing_pair) {
    Graph* g = _load(TRIANGLE_NODES "  edge [ source 2 target 0 latency \"100 ms\" ] ]");
    const uint32_t all[] = {0, 1, 2};
    _assertBuildError(g, all, 3, false, "No edge connecting node 1 to 2");
    /* Only pairs of used nodes matter. */
    const uint32_t some[] = {0, 1};
    RoutingTable* t = _build(g, some, 2, false);
    ASSERT_PATH(t, 1, 0, 1 * MS, 0.1);
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_direct_duplicate_edge) {
    Graph* g = _load(TRIANGLE_NODES "  edge [ source 1 target 2 latency \"1 ms\" ]\n"
                                    "  edge [ source 2 target 0 latency \"100 ms\" ]\n"
                                    "  edge [ source 1 target 0 latency \"5 ms\" ] ]");
    const uint32_t used[] = {0, 1, 2};
    _assertBuildError(g, used, 3, false, "More than one edge connecting node 0 to 1");
    /* Shortest paths do not mind parallel edges. */
    RoutingTable* t = _build(g, used, 3, true);
    ASSERT_PATH(t, 1, 0, 1 * MS, 0.1);
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_direct_directed) {
    const char* base = "graph [ directed 1 node [ id 0 ] node [ id 1 ]\n"
                       "  edge [ source 0 target 0 latency \"1 ms\" ]\n"
                       "  edge [ source 1 target 1 latency \"1 ms\" ]\n"
                       "  edge [ source 0 target 1 latency \"4 ms\" packet_loss 0.5 ]\n";
    char* one_way = g_strconcat(base, "]", NULL);
    Graph* g = _load(one_way);
    const uint32_t used[] = {0, 1};
    _assertBuildError(g, used, 2, false, "No edge connecting node 1 to 0");
    graph_free(g);

    char* both_ways =
        g_strconcat(base, "  edge [ source 1 target 0 latency \"6 ms\" packet_loss 0.25 ] ]", NULL);
    g = _load(both_ways);
    RoutingTable* t = _build(g, used, 2, false);
    ASSERT_PATH(t, 0, 1, 4 * MS, 0.5);
    ASSERT_PATH(t, 1, 0, 6 * MS, 0.25);
    routing_free(t);
    graph_free(g);
    g_free(one_way);
    g_free(both_ways);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Misc
 * ------------------------------------------------------------------------------------------- */

START_TEST(test_smallest_latency) {
    Graph* g = _loadSmall();
    const uint32_t used[] = {30, 40};
    RoutingTable* t = _build(g, used, 2, true);
    /* Self-loops 3 ms and 4 ms, 30-40 15 ms. */
    ck_assert_uint_eq(routing_getSmallestLatency(t), 3 * MS);
    routing_free(t);

    t = _build(g, NULL, 0, true);
    ck_assert_uint_eq(routing_getNodeCount(t), 0);
    ck_assert_uint_eq(routing_getSmallestLatency(t), SIMTIME_MAX);
    ck_assert_ptr_null(routing_lookup(t, 10, 10));
    routing_free(t);
    graph_free(g);
}
END_TEST

START_TEST(test_unknown_node) {
    Graph* g = _loadSmall();
    const uint32_t used[] = {10, 99};
    _assertBuildError(g, used, 2, true, "The network node id 99 does not exist");
    _assertBuildError(g, used, 2, false, "The network node id 99 does not exist");
    graph_free(g);
}
END_TEST

/* Brute force: Floyd-Warshall over (latency, loss) compared lexicographically, which is valid
 * because extending two paths by the same edge keeps their order. */
static void _checkAgainstReference(bool directed, uint32_t seed) {
    enum { N = 40, M = 200 };
    GRand* rand = g_rand_new_with_seed(seed);
    GString* gml = g_string_new(NULL);
    g_string_append_printf(gml, "graph [ directed %d\n", directed ? 1 : 0);
    static SimTime lat[N][N];
    static double loss[N][N];
    for (int i = 0; i < N; i++) {
        g_string_append_printf(gml, " node [ id %d ]\n", i * 3 + 1);
        g_string_append_printf(gml, " edge [ source %d target %d latency \"1 ns\" ]\n", i * 3 + 1,
                               i * 3 + 1);
        for (int j = 0; j < N; j++) {
            lat[i][j] = i == j ? 0 : SIMTIME_MAX;
            loss[i][j] = 0.0;
        }
    }
    for (int k = 0; k < M; k++) {
        int a = g_rand_int_range(rand, 0, N);
        int b = (a + g_rand_int_range(rand, 1, N)) % N; /* self-loops must stay unique */
        /* Few distinct latencies, so many ties; losses on a coarse grid. */
        SimTime l = (SimTime)g_rand_int_range(rand, 1, 4);
        double p = g_rand_int_range(rand, 0, 5) / 10.0;
        g_string_append_printf(gml,
                               " edge [ source %d target %d latency \"%" G_GUINT64_FORMAT
                               " ms\" packet_loss %.1f ]\n",
                               a * 3 + 1, b * 3 + 1, l, p);
        for (int dir = 0; dir < (directed ? 1 : 2); dir++) {
            int u = dir == 0 ? a : b;
            int v = dir == 0 ? b : a;
            if ((l * MS < lat[u][v] || (l * MS == lat[u][v] && p < loss[u][v]))) {
                lat[u][v] = l * MS;
                loss[u][v] = p;
            }
        }
    }
    g_string_append(gml, "]\n");
    for (int k = 0; k < N; k++) {
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                if (i == j || lat[i][k] == SIMTIME_MAX || lat[k][j] == SIMTIME_MAX) {
                    continue;
                }
                SimTime l = lat[i][k] + lat[k][j];
                double p = 1.0 - (1.0 - loss[i][k]) * (1.0 - loss[k][j]);
                if (l < lat[i][j] || (l == lat[i][j] && p < loss[i][j] - 1e-15)) {
                    lat[i][j] = l;
                    loss[i][j] = p;
                }
            }
        }
    }

    Graph* g = _load(gml->str);
    uint32_t used[N];
    size_t n_used = 0;
    /* Greedily pick nodes mutually reachable with every node already picked. */
    for (int i = 0; i < N; i++) {
        bool reaches_all = true;
        for (size_t k = 0; k < n_used; k++) {
            int j = (int)(used[k] - 1) / 3;
            reaches_all = reaches_all && lat[i][j] != SIMTIME_MAX && lat[j][i] != SIMTIME_MAX;
        }
        if (reaches_all) {
            used[n_used++] = (uint32_t)(i * 3 + 1);
        }
    }
    ck_assert_uint_gt(n_used, N / 2);
    RoutingTable* t = _build(g, used, n_used, true);
    for (size_t a = 0; a < n_used; a++) {
        for (size_t b = 0; b < n_used; b++) {
            int i = (int)(used[a] - 1) / 3;
            int j = (int)(used[b] - 1) / 3;
            if (i == j) {
                ASSERT_PATH(t, used[a], used[b], 1, 0.0);
            } else {
                ASSERT_PATH(t, used[a], used[b], lat[i][j], loss[i][j]);
            }
        }
    }
    routing_free(t);
    graph_free(g);
    g_string_free(gml, TRUE);
    g_rand_free(rand);
}

START_TEST(test_reference_random) {
    for (uint32_t seed = 1; seed <= 5; seed++) {
        _checkAgainstReference(false, seed);
        _checkAgainstReference(true, seed + 100);
    }
}
END_TEST

Suite* check_routing_suite(void) {
    Suite* s = suite_create("check_routing");

    TCase* tc = tcase_create("shortest");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_shortest_undirected);
    tcase_add_test(tc, test_shortest_directed);
    tcase_add_test(tc, test_unreachable_undirected);
    tcase_add_test(tc, test_latency_too_large);
    tcase_add_test(tc, test_parallel_edges);
    tcase_add_test(tc, test_reference_random);
    suite_add_tcase(s, tc);

    tc = tcase_create("self_loops");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_self_loop_rule);
    tcase_add_test(tc, test_self_loop_directed);
    tcase_add_test(tc, test_1_gbit_switch);
    suite_add_tcase(s, tc);

    tc = tcase_create("direct");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_direct_complete);
    tcase_add_test(tc, test_direct_missing_pair);
    tcase_add_test(tc, test_direct_duplicate_edge);
    tcase_add_test(tc, test_direct_directed);
    suite_add_tcase(s, tc);

    tc = tcase_create("misc");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_smallest_latency);
    tcase_add_test(tc, test_unknown_node);
    suite_add_tcase(s, tc);
    return s;
}
