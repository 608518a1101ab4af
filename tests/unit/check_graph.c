/* Unit tests for the GML parser (gml.c) and the graph loader (graph.c): typing, escapes, duplicate
 * keys, every check of compat.md 2.1 with its message, inline/file/xz loading, 1_gbit_switch. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "main/gml.h"
#include "main/graph.h"

#define GRAPHS_DIR UMBRA_SOURCE_DIR "/tests/graphs"

/* ---------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------- */

static GmlDoc* _parse(const char* text, GError** error) {
    return gml_parse(text, strlen(text), "inline graph", error);
}

/* Asserts that parsing `text` fails with exactly `message`. */
static void _assertGmlError(const char* text, const char* message) {
    GError* error = NULL;
    GmlDoc* doc = _parse(text, &error);
    ck_assert_ptr_null(doc);
    ck_assert_ptr_nonnull(error);
    ck_assert(error->domain == UMBRA_GML_ERROR);
    ck_assert_str_eq(error->message, message);
    g_error_free(error);
}

/* Asserts that loading inline `text` fails with exactly `message`. */
static void _assertGraphError(const char* text, const char* message) {
    GError* error = NULL;
    Graph* g = graph_loadGml(text, strlen(text), "inline graph", &error);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(error);
    ck_assert(error->domain == UMBRA_GRAPH_ERROR);
    ck_assert_str_eq(error->message, message);
    ck_assert(strchr(error->message, '\n') == NULL);
    g_error_free(error);
}

static Graph* _loadOk(const char* text) {
    GError* error = NULL;
    Graph* g = graph_loadGml(text, strlen(text), "inline graph", &error);
    if (g == NULL) {
        ck_abort_msg("unexpected error: %s", error->message);
    }
    return g;
}

static Graph* _loadSpec(const GraphSpec* spec) {
    GError* error = NULL;
    Graph* g = graph_load(spec, &error);
    if (g == NULL) {
        ck_abort_msg("unexpected error: %s", error->message);
    }
    return g;
}

static void _assertSpecError(const GraphSpec* spec, const char* message) {
    GError* error = NULL;
    Graph* g = graph_load(spec, &error);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(error);
    ck_assert_str_eq(error->message, message);
    g_error_free(error);
}

/* ---------------------------------------------------------------------------------------------
 * GML syntax
 * ------------------------------------------------------------------------------------------- */

START_TEST(test_gml_types) {
    GError* error = NULL;
    GmlDoc* doc = _parse("graph [ a 1 b -2 c 1.5 d 1e3 e \"x y\" f [ g 1 ] h +3 i .5 j 0 k 0.0 "
                         "l 99999999999999999999 m 2. ]",
                         &error);
    ck_assert_ptr_nonnull(doc);
    const GmlItem* graph = gml_getGraph(doc);
    ck_assert_int_eq(graph->type, GML_VALUE_LIST);
    ck_assert_uint_eq(graph->value.list.n_items, 12);

    ck_assert_int_eq(gml_lookup(graph, "a")->type, GML_VALUE_INT);
    ck_assert_int_eq(gml_lookup(graph, "a")->value.i, 1);
    ck_assert_int_eq(gml_lookup(graph, "b")->value.i, -2);
    ck_assert_int_eq(gml_lookup(graph, "c")->type, GML_VALUE_FLOAT);
    ck_assert_double_eq(gml_lookup(graph, "c")->value.f, 1.5);
    ck_assert_int_eq(gml_lookup(graph, "d")->type, GML_VALUE_FLOAT);
    ck_assert_double_eq(gml_lookup(graph, "d")->value.f, 1000.0);
    ck_assert_int_eq(gml_lookup(graph, "e")->type, GML_VALUE_STRING);
    ck_assert_str_eq(gml_lookup(graph, "e")->value.s, "x y");
    const GmlItem* f = gml_lookup(graph, "f");
    ck_assert_int_eq(f->type, GML_VALUE_LIST);
    ck_assert_int_eq(gml_lookup(f, "g")->value.i, 1);
    ck_assert_int_eq(gml_lookup(graph, "h")->value.i, 3);
    ck_assert_double_eq(gml_lookup(graph, "i")->value.f, 0.5);
    /* The int/float distinction packet_loss depends on. */
    ck_assert_int_eq(gml_lookup(graph, "j")->type, GML_VALUE_INT);
    ck_assert_int_eq(gml_lookup(graph, "k")->type, GML_VALUE_FLOAT);
    /* Too big for an int: tried as a float next. */
    ck_assert_int_eq(gml_lookup(graph, "l")->type, GML_VALUE_FLOAT);
    ck_assert_int_eq(gml_lookup(graph, "m")->type, GML_VALUE_FLOAT);
    ck_assert_ptr_null(gml_lookup(graph, "zz"));
    ck_assert_str_eq(gml_typeName(GML_VALUE_FLOAT), "float");
    gml_free(doc);
}
END_TEST

START_TEST(test_gml_escapes_and_lines) {
    GError* error = NULL;
    GmlDoc* doc = _parse("graph [\n  s \"a\\\\b\\\"c\"\n  t \"two\nlines\"\n  u 1\n]", &error);
    ck_assert_ptr_nonnull(doc);
    const GmlItem* graph = gml_getGraph(doc);
    ck_assert_str_eq(gml_lookup(graph, "s")->value.s, "a\\b\"c");
    ck_assert_uint_eq(gml_lookup(graph, "s")->line, 2);
    ck_assert_str_eq(gml_lookup(graph, "t")->value.s, "two\nlines");
    ck_assert_uint_eq(gml_lookup(graph, "u")->line, 5);
    gml_free(doc);

    _assertGmlError(
        "graph [\n s \"a\\n\" ]",
        "inline graph:2: invalid escape '\\n' in string value of 's' (only \\\\ and \\\" "
        "are allowed)");
}
END_TEST

START_TEST(test_gml_whitespace) {
    GError* error = NULL;
    GmlDoc* doc =
        _parse("\r\n\t graph[node[id 0]edge[source 0 target 0]\tnode [ id\n1 ] ]\n\n", &error);
    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_eq(gml_getGraph(doc)->value.list.n_items, 3);
    gml_free(doc);
}
END_TEST

START_TEST(test_gml_duplicates) {
    /* node and edge repeat inside graph; nothing else may repeat anywhere. */
    GError* error = NULL;
    GmlDoc* doc = _parse("graph [ node [ id 0 ] node [ id 1 ] edge [ x 1 ] edge [ x 2 ] ]", &error);
    ck_assert_ptr_nonnull(doc);
    gml_free(doc);

    _assertGmlError("graph [\n node [\n  id 0\n  id 1\n ]\n]",
                    "inline graph:4: duplicate key 'id' in 'node' (first on line 3)");
    _assertGmlError("graph [\n directed 0\n directed 1\n]",
                    "inline graph:3: duplicate key 'directed' in 'graph' (first on line 2)");
    _assertGmlError("graph [ edge [ source 0 target 0 latency \"1 ms\" latency \"2 ms\" ] ]",
                    "inline graph:1: duplicate key 'latency' in 'edge' (first on line 1)");
    _assertGmlError("graph [ node [ id 0 g [ x 1 x 2 ] ] ]",
                    "inline graph:1: duplicate key 'x' in 'g' (first on line 1)");
    /* `node` repeated inside a node block is a duplicate (only graph's children are exempt). */
    _assertGmlError("graph [ node [ node 1 node 2 ] ]",
                    "inline graph:1: duplicate key 'node' in 'node' (first on line 1)");
}
END_TEST

START_TEST(test_gml_syntax_errors) {
    _assertGmlError("", "inline graph:1: no 'graph [ ... ]' block");
    _assertGmlError("  \n ", "inline graph:2: no 'graph [ ... ]' block");
    /* Shadow's GML has no comments. */
    _assertGmlError("# comment\ngraph [ ]", "inline graph:1: expected a key, found '#'");
    _assertGmlError("graph [\n # comment\n]", "inline graph:2: expected a key, found '#'");
    _assertGmlError("Creator \"x\" graph [ ]",
                    "inline graph:1: the top level must be 'graph [ ... ]'");
    _assertGmlError("graph 1", "inline graph:1: the top level must be 'graph [ ... ]'");
    _assertGmlError("graph [ ]\ngraph [ ]", "inline graph:2: text after the 'graph [ ... ]' block");
    _assertGmlError("graph [ ] ]", "inline graph:1: text after the 'graph [ ... ]' block");
    _assertGmlError("graph [\n node [ id 0 ]\n",
                    "inline graph:3: list 'graph' opened on line 1 is not closed");
    _assertGmlError("graph [\n a \"abc\n\n",
                    "inline graph:4: string value of 'a' opened on line 2 is not closed");
    _assertGmlError("graph [ id ]", "inline graph:1: key 'id' has no value");
    _assertGmlError("graph [ id", "inline graph:1: key 'id' has no value");
    _assertGmlError("graph [\n x 1.2.3 ]",
                    "inline graph:2: invalid value '1.2.3' for 'x' (not an int, a float, a string "
                    "or a list)");
    _assertGmlError("graph [ x abc ]",
                    "inline graph:1: invalid value 'abc' for 'x' (not an int, a float, a string or "
                    "a list)");
    _assertGmlError("graph [ x inf ]",
                    "inline graph:1: invalid value 'inf' for 'x' (not an int, a float, a string or "
                    "a list)");
    _assertGmlError("graph [ x 1e ]",
                    "inline graph:1: invalid value '1e' for 'x' (not an int, a float, a string or "
                    "a list)");
    _assertGmlError("graph [ 1x 2 ]", "inline graph:1: expected a key, found '1'");
    _assertGmlError("graph [ x 1 \xc3\xa9 2 ]", "inline graph:1: expected a key, found '\\xc3'");

    GError* error = NULL;
    const char nul[] = "graph [ x \"a\0b\" ]";
    ck_assert_ptr_null(gml_parse(nul, sizeof(nul) - 1, "inline graph", &error));
    ck_assert_str_eq(error->message, "inline graph:1: NUL byte in string value of 'x'");
    g_clear_error(&error);

    GString* deep = g_string_new("graph [");
    for (int i = 0; i < 100; i++) {
        g_string_append(deep, " a [");
    }
    ck_assert_ptr_null(_parse(deep->str, &error));
    ck_assert_str_eq(error->message, "inline graph:1: lists nested more than 64 deep");
    g_clear_error(&error);
    g_string_free(deep, TRUE);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Graph checks (compat.md 2.1)
 * ------------------------------------------------------------------------------------------- */

START_TEST(test_graph_inline_basic) {
    Graph* g =
        _loadOk("graph [\n"
                "  node [ id 7 host_bandwidth_up \"10 Mbit\" host_bandwidth_down \"1 Gibit\" "
                "label \"seven\" ]\n"
                "  node [ id 300 ]\n"
                "  edge [ source 7 target 300 latency \"25 ms\" packet_loss 0.5 jitter \"1 ms\" "
                "label \"x\" ]\n"
                "  edge [ source 300 target 300 latency \"2\" ]\n"
                "  unknown [ whatever 1 ]\n"
                "]\n");
    ck_assert(!graph_isDirected(g));
    ck_assert_uint_eq(graph_getNodeCount(g), 2);
    ck_assert_uint_eq(graph_getEdgeCount(g), 2);
    ck_assert(graph_hasNode(g, 7));
    ck_assert(graph_hasNode(g, 300));
    ck_assert(!graph_hasNode(g, 0));
    ck_assert(!graph_hasNode(g, 8));
    uint64_t bits = 0;
    ck_assert(graph_getNodeBandwidthUp(g, 7, &bits));
    ck_assert_uint_eq(bits, 10000000ULL);
    ck_assert(graph_getNodeBandwidthDown(g, 7, &bits));
    ck_assert_uint_eq(bits, 1073741824ULL);
    bits = 42;
    ck_assert(!graph_getNodeBandwidthUp(g, 300, &bits));
    ck_assert(!graph_getNodeBandwidthDown(g, 300, &bits));
    ck_assert(!graph_getNodeBandwidthDown(g, 5, &bits));
    ck_assert_uint_eq(bits, 42);

    igraph_integer_t v = -1;
    ck_assert(graph_getVertex(g, 300, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_uint_eq(graph_getNodeId(g, 0), 7);
    ck_assert_uint_eq(graph_getEdgeLatency(g, 0), 25 * SIMTIME_ONE_MILLISECOND);
    ck_assert_double_eq(graph_getEdgeLoss(g, 0), 0.5);
    /* A bare number inside the latency string means seconds. */
    ck_assert_uint_eq(graph_getEdgeLatency(g, 1), 2 * SIMTIME_ONE_SECOND);
    ck_assert_double_eq(graph_getEdgeLoss(g, 1), 0.0);
    graph_free(g);

    g = _loadOk("graph [ directed 1 node [ id 0 ] ]");
    ck_assert(graph_isDirected(g));
    ck_assert_uint_eq(graph_getEdgeCount(g), 0);
    graph_free(g);
    g = _loadOk("graph [ ]");
    ck_assert_uint_eq(graph_getNodeCount(g), 0);
    graph_free(g);
}
END_TEST

START_TEST(test_graph_directed_errors) {
    _assertGraphError("graph [ directed 2 ]", "inline graph:1: 'directed' must be 0 or 1");
    _assertGraphError("graph [ directed \"1\" ]", "inline graph:1: 'directed' must be 0 or 1");
    _assertGraphError("graph [ directed 1.0 ]", "inline graph:1: 'directed' must be 0 or 1");
}
END_TEST

START_TEST(test_graph_node_errors) {
    _assertGraphError("graph [\n node [ label \"x\" ]\n]", "inline graph:2: Node has no 'id'");
    _assertGraphError("graph [\n node [\n id \"0\" ]\n]",
                      "inline graph:3: Node 'id' is not an int");
    _assertGraphError("graph [ node [ id 1.0 ] ]", "inline graph:1: Node 'id' is not an int");
    _assertGraphError("graph [ node [ id -1 ] ]",
                      "inline graph:1: Node 'id' -1 is not in [0, 4294967295]");
    _assertGraphError("graph [ node [ id 4294967296 ] ]",
                      "inline graph:1: Node 'id' 4294967296 is not in [0, 4294967295]");
    _assertGraphError("graph [ node 3 ]", "inline graph:1: 'node' is not a list");
    _assertGraphError("graph [\n node [ id 1 ]\n node [ id 2 ]\n node [ id 1 ]\n]",
                      "inline graph:4: duplicate node id 1 (first on line 2)");
    _assertGraphError("graph [\n node [ id 0\n host_bandwidth_up 100 ] ]",
                      "inline graph:3: Node 'host_bandwidth_up' is not a string");
    _assertGraphError("graph [ node [ id 0 host_bandwidth_down 1.5 ] ]",
                      "inline graph:1: Node 'host_bandwidth_down' is not a string");
    _assertGraphError("graph [ node [ id 0 host_bandwidth_down \"100 MB\" ] ]",
                      "inline graph:1: Node 'host_bandwidth_down' \"100 MB\" is not a valid "
                      "bandwidth");
    _assertGraphError("graph [ node [ id 0 host_bandwidth_up \"1.5 Mbit\" ] ]",
                      "inline graph:1: Node 'host_bandwidth_up' \"1.5 Mbit\" is not a valid "
                      "bandwidth");
    _assertGraphError("graph [ node [ id 0 host_bandwidth_up \"99999999999 Tibit\" ] ]",
                      "inline graph:1: Node 'host_bandwidth_up' \"99999999999 Tibit\" is not a "
                      "valid bandwidth (too large)");
}
END_TEST

#define NODES "graph [\n node [ id 0 ]\n node [ id 1 ]\n"

START_TEST(test_graph_edge_errors) {
    _assertGraphError(NODES " edge [ target 1 latency \"1 ms\" ]\n]",
                      "inline graph:4: Edge has no 'source'");
    _assertGraphError(NODES " edge [ source 0 latency \"1 ms\" ]\n]",
                      "inline graph:4: Edge has no 'target'");
    _assertGraphError(NODES " edge [ source 0.0 target 1 latency \"1 ms\" ]\n]",
                      "inline graph:4: Edge 'source' is not an int");
    _assertGraphError(NODES " edge [ source 0 target 2 latency \"1 ms\" ]\n]",
                      "inline graph:4: Edge 'target' 2 is not the id of a node");
    _assertGraphError(NODES " edge [ source 5 target 1 latency \"1 ms\" ]\n]",
                      "inline graph:4: Edge 'source' 5 is not the id of a node");
    _assertGraphError(NODES " edge [ source 0 target 1 ]\n]",
                      "inline graph:4: Edge has no 'latency'");
    _assertGraphError(NODES " edge [ source 0 target 1\n latency \"0 ms\" ]\n]",
                      "inline graph:5: Edge 'latency' must not be zero");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"0\" ]\n]",
                      "inline graph:4: Edge 'latency' must not be zero");
    _assertGraphError(NODES " edge [ source 0 target 1 latency 5 ]\n]",
                      "inline graph:4: Edge 'latency' is not a string");
    _assertGraphError(NODES " edge [ source 0 target 1 latency 5.0 ]\n]",
                      "inline graph:4: Edge 'latency' is not a string");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"5 parsecs\" ]\n]",
                      "inline graph:4: Edge 'latency' \"5 parsecs\" is not a valid time");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"1.5 ms\" ]\n]",
                      "inline graph:4: Edge 'latency' \"1.5 ms\" is not a valid time");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"99999999999999 h\" ]\n]",
                      "inline graph:4: Edge 'latency' \"99999999999999 h\" is not a valid time "
                      "(too large)");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"1 ms\" jitter 1 ]\n]",
                      "inline graph:4: Edge 'jitter' is not a string");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"1 ms\" jitter \"x\" ]\n]",
                      "inline graph:4: Edge 'jitter' \"x\" is not a valid time");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"1 ms\"\n packet_loss 0 ]\n]",
                      "inline graph:5: Edge 'packet_loss' is not a float");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"1 ms\" packet_loss \"0.1\" ]\n]",
                      "inline graph:4: Edge 'packet_loss' is not a float");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"1 ms\" packet_loss 1.5 ]\n]",
                      "inline graph:4: Edge 'packet_loss' 1.5 is not in [0, 1]");
    _assertGraphError(NODES " edge [ source 0 target 1 latency \"1 ms\" packet_loss -0.1 ]\n]",
                      "inline graph:4: Edge 'packet_loss' -0.1 is not in [0, 1]");
    _assertGraphError(NODES " edge 1\n]", "inline graph:4: 'edge' is not a list");

    /* Boundary values are accepted; an edge may name a node defined after it. */
    Graph* g =
        _loadOk("graph [ edge [ source 0 target 1 latency \"1 ns\" packet_loss 1.0 ] "
                "node [ id 0 ] node [ id 1 ] "
                "edge [ source 1 target 0 latency \"1 ms\" packet_loss 0.0 jitter \"0 ms\" ] ]");
    ck_assert_uint_eq(graph_getEdgeLatency(g, 0), 1);
    ck_assert_double_eq(graph_getEdgeLoss(g, 0), 1.0);
    graph_free(g);
}
END_TEST

START_TEST(test_graph_syntax_error_domain) {
    /* Parser errors come back in the graph domain, message unchanged. */
    _assertGraphError("graph [\n node [ id 0 id 1 ] ]",
                      "inline graph:2: duplicate key 'id' in 'node' (first on line 2)");
    _assertGraphError("graph [ x \"a\\t\" ]",
                      "inline graph:1: invalid escape '\\t' in string value of 'x' (only \\\\ and "
                      "\\\" are allowed)");
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Loading from a GraphSpec
 * ------------------------------------------------------------------------------------------- */

static void _assertSmallGraph(const Graph* g) {
    ck_assert(!graph_isDirected(g));
    ck_assert_uint_eq(graph_getNodeCount(g), 6);
    ck_assert_uint_eq(graph_getEdgeCount(g), 12);
    uint64_t bits = 0;
    ck_assert(graph_getNodeBandwidthDown(g, 10, &bits));
    ck_assert_uint_eq(bits, 100000000ULL);
    ck_assert(graph_getNodeBandwidthUp(g, 10, &bits));
    ck_assert_uint_eq(bits, 10000000ULL);
    ck_assert(graph_getNodeBandwidthDown(g, 20, &bits));
    ck_assert_uint_eq(bits, 1000000000ULL);
    ck_assert(!graph_getNodeBandwidthUp(g, 20, &bits));
    ck_assert(graph_hasNode(g, 60));
}

START_TEST(test_load_file) {
    GraphSpec spec = {.type = GRAPH_SPEC_GML_FILE, .path = GRAPHS_DIR "/small.gml", .xz = false};
    Graph* g = _loadSpec(&spec);
    _assertSmallGraph(g);
    graph_free(g);
}
END_TEST

START_TEST(test_load_xz) {
    GraphSpec spec = {.type = GRAPH_SPEC_GML_FILE, .path = GRAPHS_DIR "/small.gml.xz", .xz = true};
    Graph* g = _loadSpec(&spec);
    _assertSmallGraph(g);
    graph_free(g);
}
END_TEST

START_TEST(test_load_inline) {
    char* text = NULL;
    ck_assert(g_file_get_contents(GRAPHS_DIR "/small.gml", &text, NULL, NULL));
    GraphSpec spec = {.type = GRAPH_SPEC_GML_INLINE, .inline_text = text};
    Graph* g = _loadSpec(&spec);
    _assertSmallGraph(g);
    graph_free(g);
    g_free(text);
}
END_TEST

START_TEST(test_load_errors) {
    GraphSpec spec = {.type = GRAPH_SPEC_GML_FILE, .path = GRAPHS_DIR "/missing.gml"};
    _assertSpecError(&spec, GRAPHS_DIR "/missing.gml: cannot read graph file: No such file or "
                                       "directory");
    spec.path = GRAPHS_DIR;
    _assertSpecError(&spec, GRAPHS_DIR ": cannot read graph file: Is a directory");
    spec.path = GRAPHS_DIR "/bad_latency.gml";
    _assertSpecError(&spec, GRAPHS_DIR "/bad_latency.gml:6: Edge 'latency' must not be zero");

    spec.xz = true;
    spec.path = GRAPHS_DIR "/small.gml";
    _assertSpecError(&spec, GRAPHS_DIR "/small.gml: xz data corrupt: not in the xz format");
    spec.path = GRAPHS_DIR "/truncated.gml.xz";
    _assertSpecError(&spec, GRAPHS_DIR "/truncated.gml.xz: xz data corrupt: compressed data is "
                                       "truncated");
    spec.path = GRAPHS_DIR "/corrupt.gml.xz";
    _assertSpecError(&spec, GRAPHS_DIR "/corrupt.gml.xz: xz data corrupt: compressed data is "
                                       "corrupt");
    spec.path = GRAPHS_DIR "/missing.gml.xz";
    _assertSpecError(&spec, GRAPHS_DIR "/missing.gml.xz: cannot read graph file: No such file or "
                                       "directory");

    GraphSpec inline_spec = {.type = GRAPH_SPEC_GML_INLINE, .inline_text = "graph [ node [ ] ]"};
    _assertSpecError(&inline_spec, "inline graph:1: Node has no 'id'");
}
END_TEST

START_TEST(test_load_1_gbit_switch) {
    GraphSpec spec = {.type = GRAPH_SPEC_1_GBIT_SWITCH};
    Graph* g = _loadSpec(&spec);
    ck_assert(!graph_isDirected(g));
    ck_assert_uint_eq(graph_getNodeCount(g), 1);
    ck_assert_uint_eq(graph_getEdgeCount(g), 1);
    ck_assert(graph_hasNode(g, 0));
    uint64_t bits = 0;
    ck_assert(graph_getNodeBandwidthUp(g, 0, &bits));
    ck_assert_uint_eq(bits, 1000000000ULL);
    ck_assert(graph_getNodeBandwidthDown(g, 0, &bits));
    ck_assert_uint_eq(bits, 1000000000ULL);
    ck_assert_uint_eq(graph_getEdgeLatency(g, 0), SIMTIME_ONE_MILLISECOND);
    ck_assert_double_eq(graph_getEdgeLoss(g, 0), 0.0);
    graph_free(g);
}
END_TEST

Suite* check_graph_suite(void) {
    Suite* s = suite_create("check_graph");

    TCase* tc = tcase_create("gml");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_gml_types);
    tcase_add_test(tc, test_gml_escapes_and_lines);
    tcase_add_test(tc, test_gml_whitespace);
    tcase_add_test(tc, test_gml_duplicates);
    tcase_add_test(tc, test_gml_syntax_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("checks");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_graph_inline_basic);
    tcase_add_test(tc, test_graph_directed_errors);
    tcase_add_test(tc, test_graph_node_errors);
    tcase_add_test(tc, test_graph_edge_errors);
    tcase_add_test(tc, test_graph_syntax_error_domain);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_load_xz);
    tcase_add_test(tc, test_load_inline);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_load_1_gbit_switch);
    suite_add_tcase(s, tc);
    return s;
}
