/* A parser for the GML dialect Shadow accepts (compat.md 2.1), producing a generic tree of keyed
 * values. It knows nothing about nodes, edges or units: graph.c interprets the tree.
 *
 * Grammar: the text is exactly one `graph [ ... ]` surrounded by optional whitespace. A block is a
 * sequence of items `key value` separated by whitespace; keys match [A-Za-z_][A-Za-z0-9_]*; a
 * value is tried as an int (fits in int64), then as a float (decimal, optional exponent; no inf or
 * nan), then as a "string" (escapes \\ and \" only; may span lines), or is a nested [ ... ] block.
 * There are no comments. A key may appear only once per block, except `node` and `edge` directly
 * inside `graph`.
 *
 * Errors are GErrors in the UMBRA_GML_ERROR domain whose message is one line:
 * "<where>:<line>: <what>", where `where` is the name given to gml_parse. */
#ifndef SIM_MAIN_GML_H_
#define SIM_MAIN_GML_H_

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define UMBRA_GML_ERROR (umbra_gml_error_quark())
GQuark umbra_gml_error_quark(void);

typedef enum {
    GML_ERROR_SYNTAX,    /* malformed text */
    GML_ERROR_DUPLICATE, /* a key repeated inside one block */
} GmlError;

typedef enum {
    GML_VALUE_INT,
    GML_VALUE_FLOAT,
    GML_VALUE_STRING,
    GML_VALUE_LIST,
} GmlValueType;

typedef struct _GmlItem GmlItem;

/* One `key value` pair. Every pointer inside is owned by the GmlDoc it came from. */
struct _GmlItem {
    const char* key;   /* interned in the document */
    uint32_t line;     /* 1-based line of the key */
    GmlValueType type; /* which member of `value` is set */
    union {
        int64_t i;     /* GML_VALUE_INT */
        double f;      /* GML_VALUE_FLOAT */
        const char* s; /* GML_VALUE_STRING: unescaped, NUL-terminated */
        struct {
            GmlItem* items; /* in text order */
            size_t n_items; /* number of items */
        } list;             /* GML_VALUE_LIST */
    } value;
};

typedef struct _GmlDoc GmlDoc;

/* Parses `len` bytes of GML (need not be NUL-terminated; a NUL byte is a syntax error). `where`
 * names the text in error messages (a file path or "inline graph"); it is copied. Returns a new
 * document (caller frees with gml_free) or NULL with `error` set. */
GmlDoc* gml_parse(const char* text, size_t len, const char* where, GError** error);
void gml_free(GmlDoc* doc);

/* The `graph [ ... ]` item at the top of the document (a GML_VALUE_LIST). Borrowed. */
const GmlItem* gml_getGraph(const GmlDoc* doc);

/* The first item named `key` in the list item `block`, or NULL. Borrowed. */
const GmlItem* gml_lookup(const GmlItem* block, const char* key);

/* "int", "float", "string" or "list". Static string. */
const char* gml_typeName(GmlValueType type);

#endif
