/* GML parser (see gml.h for the grammar). A hand-written recursive-descent parser over a byte
 * buffer; it tracks the line number for messages. Keys and string values are interned in one
 * GStringChunk per document, so the many repeated keys and latency strings of a big graph are
 * stored once and keys can be compared by pointer.
 *
 * Invariants: every list's `items` array is owned by the document and freed by gml_free; nesting is
 * limited to GML_MAX_DEPTH so hostile input cannot exhaust the stack. */
#include "main/gml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting than this is rejected (Shadow graphs use depth 2). */
#define GML_MAX_DEPTH 64

struct _GmlDoc {
    GStringChunk* strings; /* interned keys and string values */
    GmlItem graph;         /* the top-level `graph [ ... ]` item */
};

typedef struct {
    const char* text;      /* the input, not NUL-terminated */
    size_t len;            /* bytes in `text` */
    size_t pos;            /* next byte to read */
    uint32_t line;         /* 1-based line of text[pos] */
    const char* where;     /* name of the text for messages */
    GStringChunk* strings; /* the document's intern table */
    const char* key_graph; /* interned "graph" */
    const char* key_node;  /* interned "node" */
    const char* key_edge;  /* interned "edge" */
    GString* scratch;      /* reused buffer for tokens and strings */
} GmlParser;

GQuark umbra_gml_error_quark(void) {
    return g_quark_from_static_string("umbra-gml-error-quark");
}

static bool _gml_parseList(GmlParser* p, GmlItem* out, uint32_t open_line, int depth, bool is_graph,
                           GError** error);

/* ---------------------------------------------------------------------------------------------
 * Lexing helpers
 * ------------------------------------------------------------------------------------------- */

static bool _gml_isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool _gml_isKeyStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool _gml_isKeyChar(char c) {
    return _gml_isKeyStart(c) || (c >= '0' && c <= '9');
}

static bool _gml_isDigit(char c) {
    return c >= '0' && c <= '9';
}

static bool _gml_atEnd(const GmlParser* p) {
    return p->pos >= p->len;
}

static void _gml_skipSpace(GmlParser* p) {
    while (!_gml_atEnd(p) && _gml_isSpace(p->text[p->pos])) {
        if (p->text[p->pos] == '\n') {
            p->line++;
        }
        p->pos++;
    }
}

/* A byte as it should appear in a message: printable ASCII as is, anything else as \xNN. */
static void _gml_describeChar(char c, char buf[8]) {
    unsigned char u = (unsigned char)c;
    if (u >= 0x21 && u < 0x7f) {
        buf[0] = c;
        buf[1] = '\0';
    } else {
        snprintf(buf, 8, "\\x%02x", u);
    }
}

static void _gml_setError(GmlParser* p, GError** error, GmlError code, uint32_t line,
                          const char* fmt, ...) G_GNUC_PRINTF(5, 6);

static void _gml_setError(GmlParser* p, GError** error, GmlError code, uint32_t line,
                          const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char* what = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_set_error(error, UMBRA_GML_ERROR, code, "%s:%u: %s", p->where, line, what);
    g_free(what);
}

/* ---------------------------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------------------------- */

/* A whole bare token is an int: optional sign then digits, fitting in int64. */
static bool _gml_parseInt(const char* tok, int64_t* out) {
    const char* d = (tok[0] == '+' || tok[0] == '-') ? tok + 1 : tok;
    if (*d == '\0') {
        return false;
    }
    for (const char* c = d; *c != '\0'; c++) {
        if (!_gml_isDigit(*c)) {
            return false;
        }
    }
    errno = 0;
    long long v = strtoll(tok, NULL, 10);
    if (errno == ERANGE) {
        return false; /* too big for an int: the float parser gets it, as in Shadow */
    }
    *out = (int64_t)v;
    return true;
}

/* A whole bare token is a float: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?,
 * finite. */
static bool _gml_parseFloat(const char* tok, double* out) {
    const char* c = tok;
    if (*c == '+' || *c == '-') {
        c++;
    }
    size_t int_digits = 0;
    size_t frac_digits = 0;
    while (_gml_isDigit(*c)) {
        c++;
        int_digits++;
    }
    if (*c == '.') {
        c++;
        while (_gml_isDigit(*c)) {
            c++;
            frac_digits++;
        }
    }
    if (int_digits + frac_digits == 0) {
        return false;
    }
    if (*c == 'e' || *c == 'E') {
        c++;
        if (*c == '+' || *c == '-') {
            c++;
        }
        if (!_gml_isDigit(*c)) {
            return false;
        }
        while (_gml_isDigit(*c)) {
            c++;
        }
    }
    if (*c != '\0') {
        return false;
    }
    double v = g_ascii_strtod(tok, NULL);
    if (!isfinite(v)) {
        return false;
    }
    *out = v;
    return true;
}

/* Parses a bare (unquoted) value at p->pos into `out`. */
static bool _gml_parseBare(GmlParser* p, GmlItem* out, GError** error) {
    g_string_truncate(p->scratch, 0);
    while (!_gml_atEnd(p)) {
        char c = p->text[p->pos];
        if (_gml_isSpace(c) || c == '[' || c == ']' || c == '"') {
            break;
        }
        if (c == '\0') {
            _gml_setError(p, error, GML_ERROR_SYNTAX, p->line, "NUL byte in value of '%s'",
                          out->key);
            return false;
        }
        g_string_append_c(p->scratch, c);
        p->pos++;
    }
    if (_gml_parseInt(p->scratch->str, &out->value.i)) {
        out->type = GML_VALUE_INT;
        return true;
    }
    if (_gml_parseFloat(p->scratch->str, &out->value.f)) {
        out->type = GML_VALUE_FLOAT;
        return true;
    }
    _gml_setError(p, error, GML_ERROR_SYNTAX, p->line,
                  "invalid value '%s' for '%s' (not an int, a float, a string or a list)",
                  p->scratch->str, out->key);
    return false;
}

/* Parses a "string" starting at the opening quote. */
static bool _gml_parseString(GmlParser* p, GmlItem* out, GError** error) {
    uint32_t start_line = p->line;
    p->pos++; /* opening quote */
    g_string_truncate(p->scratch, 0);
    while (!_gml_atEnd(p)) {
        char c = p->text[p->pos];
        if (c == '"') {
            p->pos++;
            out->type = GML_VALUE_STRING;
            out->value.s = g_string_chunk_insert_const(p->strings, p->scratch->str);
            return true;
        }
        if (c == '\0') {
            _gml_setError(p, error, GML_ERROR_SYNTAX, p->line, "NUL byte in string value of '%s'",
                          out->key);
            return false;
        }
        if (c == '\\') {
            char next = p->pos + 1 < p->len ? p->text[p->pos + 1] : '\0';
            if (next != '\\' && next != '"') {
                char desc[8];
                _gml_describeChar(next, desc);
                _gml_setError(p, error, GML_ERROR_SYNTAX, p->line,
                              "invalid escape '\\%s' in string value of '%s' (only \\\\ and \\\" "
                              "are allowed)",
                              desc, out->key);
                return false;
            }
            g_string_append_c(p->scratch, next);
            p->pos += 2;
            continue;
        }
        if (c == '\n') {
            p->line++;
        }
        g_string_append_c(p->scratch, c);
        p->pos++;
    }
    _gml_setError(p, error, GML_ERROR_SYNTAX, p->line,
                  "string value of '%s' opened on line %u is not closed", out->key, start_line);
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Items and lists
 * ------------------------------------------------------------------------------------------- */

/* Parses `key value` at p->pos (which is not whitespace and not the end) into `out`. */
static bool _gml_parseItem(GmlParser* p, GmlItem* out, int depth, GError** error) {
    char c = p->text[p->pos];
    if (!_gml_isKeyStart(c)) {
        char desc[8];
        _gml_describeChar(c, desc);
        _gml_setError(p, error, GML_ERROR_SYNTAX, p->line, "expected a key, found '%s'", desc);
        return false;
    }
    size_t start = p->pos;
    while (!_gml_atEnd(p) && _gml_isKeyChar(p->text[p->pos])) {
        p->pos++;
    }
    g_string_truncate(p->scratch, 0);
    g_string_append_len(p->scratch, p->text + start, (gssize)(p->pos - start));
    out->key = g_string_chunk_insert_const(p->strings, p->scratch->str);
    out->line = p->line;

    _gml_skipSpace(p);
    if (_gml_atEnd(p) || p->text[p->pos] == ']') {
        _gml_setError(p, error, GML_ERROR_SYNTAX, p->line, "key '%s' has no value", out->key);
        return false;
    }
    c = p->text[p->pos];
    if (c == '[') {
        if (depth >= GML_MAX_DEPTH) {
            _gml_setError(p, error, GML_ERROR_SYNTAX, p->line, "lists nested more than %d deep",
                          GML_MAX_DEPTH);
            return false;
        }
        uint32_t open_line = p->line;
        p->pos++;
        bool is_graph = depth == 0 && out->key == p->key_graph;
        return _gml_parseList(p, out, open_line, depth + 1, is_graph, error);
    }
    if (c == '"') {
        return _gml_parseString(p, out, error);
    }
    return _gml_parseBare(p, out, error);
}

/* Frees the item arrays under `item` (not `item` itself). */
static void _gml_freeItem(GmlItem* item) {
    if (item->type != GML_VALUE_LIST) {
        return;
    }
    for (size_t i = 0; i < item->value.list.n_items; i++) {
        _gml_freeItem(&item->value.list.items[i]);
    }
    g_free(item->value.list.items);
    item->value.list.items = NULL;
    item->value.list.n_items = 0;
}

/* Parses the items of a list whose '[' has been consumed, through the closing ']'. In the
 * top-level graph block `node` and `edge` may repeat; every other key must be unique. */
static bool _gml_parseList(GmlParser* p, GmlItem* out, uint32_t open_line, int depth, bool is_graph,
                           GError** error) {
    GArray* items = g_array_new(FALSE, TRUE, sizeof(GmlItem));
    /* Indices of the items subject to the duplicate check (all but node/edge in graph). */
    GArray* checked = g_array_new(FALSE, FALSE, sizeof(guint));
    bool ok = false;

    for (;;) {
        _gml_skipSpace(p);
        if (_gml_atEnd(p)) {
            _gml_setError(p, error, GML_ERROR_SYNTAX, p->line,
                          "list '%s' opened on line %u is not closed", out->key, open_line);
            goto out;
        }
        if (p->text[p->pos] == ']') {
            p->pos++;
            ok = true;
            goto out;
        }
        GmlItem item = {0};
        if (!_gml_parseItem(p, &item, depth, error)) {
            _gml_freeItem(&item);
            goto out;
        }
        if (!(is_graph && (item.key == p->key_node || item.key == p->key_edge))) {
            for (guint i = 0; i < checked->len; i++) {
                const GmlItem* prev =
                    &g_array_index(items, GmlItem, g_array_index(checked, guint, i));
                if (prev->key == item.key) {
                    _gml_setError(p, error, GML_ERROR_DUPLICATE, item.line,
                                  "duplicate key '%s' in '%s' (first on line %u)", item.key,
                                  out->key, prev->line);
                    _gml_freeItem(&item);
                    goto out;
                }
            }
            guint index = items->len;
            g_array_append_val(checked, index);
        }
        g_array_append_val(items, item);
    }

out:
    g_array_free(checked, TRUE);
    out->type = GML_VALUE_LIST;
    out->value.list.n_items = items->len;
    out->value.list.items = (GmlItem*)g_array_free(items, FALSE);
    if (!ok) {
        _gml_freeItem(out);
    }
    return ok;
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------- */

GmlDoc* gml_parse(const char* text, size_t len, const char* where, GError** error) {
    GmlDoc* doc = g_new0(GmlDoc, 1);
    doc->strings = g_string_chunk_new(4096);
    GmlParser p = {
        .text = text,
        .len = len,
        .pos = 0,
        .line = 1,
        .where = where,
        .strings = doc->strings,
        .key_graph = g_string_chunk_insert_const(doc->strings, "graph"),
        .key_node = g_string_chunk_insert_const(doc->strings, "node"),
        .key_edge = g_string_chunk_insert_const(doc->strings, "edge"),
        .scratch = g_string_new(NULL),
    };

    _gml_skipSpace(&p);
    if (_gml_atEnd(&p)) {
        _gml_setError(&p, error, GML_ERROR_SYNTAX, p.line, "no 'graph [ ... ]' block");
        goto fail;
    }
    if (!_gml_parseItem(&p, &doc->graph, 0, error)) {
        goto fail;
    }
    if (doc->graph.key != p.key_graph || doc->graph.type != GML_VALUE_LIST) {
        _gml_setError(&p, error, GML_ERROR_SYNTAX, doc->graph.line,
                      "the top level must be 'graph [ ... ]'");
        goto fail;
    }
    _gml_skipSpace(&p);
    if (!_gml_atEnd(&p)) {
        _gml_setError(&p, error, GML_ERROR_SYNTAX, p.line, "text after the 'graph [ ... ]' block");
        goto fail;
    }
    g_string_free(p.scratch, TRUE);
    return doc;

fail:
    g_string_free(p.scratch, TRUE);
    gml_free(doc);
    return NULL;
}

void gml_free(GmlDoc* doc) {
    if (doc == NULL) {
        return;
    }
    _gml_freeItem(&doc->graph);
    g_string_chunk_free(doc->strings);
    g_free(doc);
}

const GmlItem* gml_getGraph(const GmlDoc* doc) {
    return &doc->graph;
}

const GmlItem* gml_lookup(const GmlItem* block, const char* key) {
    if (block->type != GML_VALUE_LIST) {
        return NULL;
    }
    for (size_t i = 0; i < block->value.list.n_items; i++) {
        if (strcmp(block->value.list.items[i].key, key) == 0) {
            return &block->value.list.items[i];
        }
    }
    return NULL;
}

const char* gml_typeName(GmlValueType type) {
    switch (type) {
        case GML_VALUE_INT:
            return "int";
        case GML_VALUE_FLOAT:
            return "float";
        case GML_VALUE_STRING:
            return "string";
        case GML_VALUE_LIST:
            return "list";
    }
    return "?";
}
