/* The generic YAML document tree of the configuration loader (compat.md 1.1 steps 2-3).
 *
 * libyaml's event parser feeds a stack-based builder. Every node keeps its 1-based line and column,
 * so the typed pass (config.c) can name the exact spot of any problem. Invariants of a finished
 * tree:
 *   - there are no aliases: an alias is replaced by a deep copy of the anchored node (which keeps
 *     the anchored node's positions); a budget on the number of nodes stops "billion laughs";
 *   - mapping keys are scalars and unique within their mapping (duplicates are an error, as with
 *     serde_yaml: the same hostname twice is rejected);
 *   - `<<` merge keys are gone: the merged mappings' keys were appended wherever the mapping did
 * not already have the key (explicit keys win; in a sequence of mappings, earlier ones win);
 *   - top-level keys starting with `x-` are gone (docker-compose style extension fields).
 * Plain scalars are classified with the YAML 1.2 core schema (null, bool, int, float, string). */
#include "main/config_internal.h"

#include <errno.h>
#include <string.h>
#include <yaml.h>

/* Upper bound on nodes in one document, counting alias copies. */
#define CNODE_MAX_NODES 1000000

typedef struct {
    const char* file;     /* name for messages (borrowed) */
    GError** error;       /* failure goes here */
    GPtrArray* stack;     /* open collections (CNode*, borrowed from the tree) */
    GPtrArray* anchors;   /* anchor name of each open collection (char*, may be NULL) */
    GPtrArray* key_sets;  /* per open collection: key text -> key CNode* (mappings), or NULL */
    GHashTable* anchored; /* anchor name -> CNode* (borrowed); last definition wins */
    CNode* root;          /* the document (owned until returned) */
    size_t n_nodes;       /* nodes created so far */
    int n_documents;      /* documents seen */
} CNodeBuilder;

/* ---------------------------------------------------------------------------------------------- */
/* Nodes                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static CNode* _cnode_new(CNodeKind kind, int line, int column) {
    CNode* node = g_new0(CNode, 1);
    node->kind = kind;
    node->line = line;
    node->column = column;
    if (kind == CNODE_MAPPING) {
        node->keys = g_ptr_array_new();
        node->items = g_ptr_array_new();
    } else if (kind == CNODE_SEQUENCE) {
        node->items = g_ptr_array_new();
    }
    return node;
}

void cnode_free(CNode* node) {
    if (node == NULL) {
        return;
    }
    for (guint i = 0; node->keys != NULL && i < node->keys->len; i++) {
        cnode_free(node->keys->pdata[i]);
    }
    for (guint i = 0; node->items != NULL && i < node->items->len; i++) {
        cnode_free(node->items->pdata[i]);
    }
    if (node->keys != NULL) {
        g_ptr_array_free(node->keys, TRUE);
    }
    if (node->items != NULL) {
        g_ptr_array_free(node->items, TRUE);
    }
    g_free(node->text);
    g_free(node);
}

static CNode* _cnode_copy(const CNode* node, size_t* n_nodes) {
    CNode* copy = _cnode_new(node->kind, node->line, node->column);
    copy->text = g_strdup(node->text);
    copy->flag = node->flag;
    (*n_nodes)++;
    for (guint i = 0; node->keys != NULL && i < node->keys->len; i++) {
        g_ptr_array_add(copy->keys, _cnode_copy(node->keys->pdata[i], n_nodes));
    }
    for (guint i = 0; node->items != NULL && i < node->items->len; i++) {
        g_ptr_array_add(copy->items, _cnode_copy(node->items->pdata[i], n_nodes));
    }
    return copy;
}

static size_t _cnode_count(const CNode* node) {
    size_t n = 1;
    for (guint i = 0; node->keys != NULL && i < node->keys->len; i++) {
        n += _cnode_count(node->keys->pdata[i]);
    }
    for (guint i = 0; node->items != NULL && i < node->items->len; i++) {
        n += _cnode_count(node->items->pdata[i]);
    }
    return n;
}

CNode* cnode_lookup(const CNode* map, const char* key, CNode** key_out) {
    if (map == NULL || map->kind != CNODE_MAPPING) {
        return NULL;
    }
    for (guint i = 0; i < map->keys->len; i++) {
        CNode* k = map->keys->pdata[i];
        if (strcmp(k->text, key) == 0) {
            if (key_out != NULL) {
                *key_out = k;
            }
            return map->items->pdata[i];
        }
    }
    return NULL;
}

static bool _cnode_matchAll(const char* s, const char* charset, size_t min_len) {
    size_t n = strspn(s, charset);
    return n >= min_len && s[n] == '\0';
}

/* Core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, [-+]?.inf, .nan. */
static bool _cnode_isFloat(const char* s) {
    static const char* const specials[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL};
    const char* p = (s[0] == '-' || s[0] == '+') ? s + 1 : s;
    for (int i = 0; specials[i] != NULL; i++) {
        if (strcmp(p, specials[i]) == 0 && (i < 3 || p == s)) {
            return true;
        }
    }
    size_t int_digits = strspn(p, "0123456789");
    size_t frac_digits = 0;
    p += int_digits;
    if (*p == '.') {
        frac_digits = strspn(p + 1, "0123456789");
        p += 1 + frac_digits;
    }
    if (int_digits == 0 && frac_digits == 0) {
        return false;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        p += (*p == '-' || *p == '+') ? 1 : 0;
        size_t exp_digits = strspn(p, "0123456789");
        if (exp_digits == 0) {
            return false;
        }
        p += exp_digits;
    }
    return *p == '\0';
}

/* YAML 1.2 core schema resolution of a plain scalar. */
static CNodeKind _cnode_resolvePlain(const char* s) {
    static const char* const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char* const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
    for (int i = 0; nulls[i] != NULL; i++) {
        if (strcmp(s, nulls[i]) == 0) {
            return CNODE_NULL;
        }
    }
    for (int i = 0; bools[i] != NULL; i++) {
        if (strcmp(s, bools[i]) == 0) {
            return CNODE_BOOL;
        }
    }
    if (g_str_has_prefix(s, "0x") && _cnode_matchAll(s + 2, "0123456789abcdefABCDEF", 1)) {
        return CNODE_INT;
    }
    if (g_str_has_prefix(s, "0o") && _cnode_matchAll(s + 2, "01234567", 1)) {
        return CNODE_INT;
    }
    const char* p = (s[0] == '-' || s[0] == '+') ? s + 1 : s;
    if (_cnode_matchAll(p, "0123456789", 1)) {
        return CNODE_INT;
    }
    return _cnode_isFloat(s) ? CNODE_FLOAT : CNODE_STRING;
}

CNode* cnode_newFromCli(const char* text, const char* flag) {
    CNodeKind kind = _cnode_resolvePlain(text);
    /* An empty value on the command line is an empty string, not null: only "null"/"~" unset. */
    if (kind == CNODE_NULL && text[0] == '\0') {
        kind = CNODE_STRING;
    }
    CNode* node = _cnode_new(kind, 0, 0);
    node->text = g_strdup(text);
    node->flag = flag;
    return node;
}

/* ---------------------------------------------------------------------------------------------- */
/* Building the tree from libyaml events                                                          */
/* ---------------------------------------------------------------------------------------------- */

/* The key path of the node about to be attached, e.g. "hosts.server.processes[0]": every open
 * collection contributes its current key (when a value is expected) or its next index. When the
 * innermost mapping expects a key, the path is that of the mapping itself. */
static char* _cnode_stackPath(const CNodeBuilder* b) {
    GString* path = g_string_new(NULL);
    for (guint i = 0; i < b->stack->len; i++) {
        const CNode* open = b->stack->pdata[i];
        if (open->kind == CNODE_SEQUENCE) {
            g_string_append_printf(path, "[%u]", open->items->len);
        } else if (open->keys->len > open->items->len) {
            const CNode* key = open->keys->pdata[open->keys->len - 1];
            g_string_append_printf(path, "%s%s", path->len > 0 ? "." : "", key->text);
        } else if (i + 1 < b->stack->len) {
            g_string_append(path, path->len > 0 ? ".?" : "?"); /* a collection used as a key */
        }
    }
    return g_string_free(path, FALSE);
}

static int _cnode_failAt(CNodeBuilder* b, const CNode* at, const char* key, const char* fmt,
                         const char* arg) {
    char* parent = _cnode_stackPath(b);
    char* path = key == NULL ? g_strdup(parent)
                             : g_strdup_printf("%s%s%s", parent, parent[0] ? "." : "", key);
    config_fail(b->error, b->file, at, path[0] != '\0' ? path : "(document)", fmt, arg);
    g_free(path);
    g_free(parent);
    return -EINVAL;
}

/* Adds a finished node to the innermost open collection (or makes it the root). Takes `node`. */
static int _cnode_attach(CNodeBuilder* b, CNode* node) {
    if (b->stack->len == 0) {
        if (b->root != NULL) {
            cnode_free(node);
            return 0; /* cannot happen: libyaml gives one root per document */
        }
        b->root = node;
        return 0;
    }
    CNode* parent = b->stack->pdata[b->stack->len - 1];
    if (parent->kind == CNODE_SEQUENCE || parent->keys->len > parent->items->len) {
        g_ptr_array_add(parent->items, node);
        return 0;
    }
    /* `node` is a key. */
    if (node->kind == CNODE_MAPPING || node->kind == CNODE_SEQUENCE) {
        int rv = _cnode_failAt(b, node, NULL, "mapping keys must be scalars%s", "");
        cnode_free(node);
        return rv;
    }
    /* A hash set per open mapping keeps duplicate detection linear (hosts maps can be large). */
    GHashTable* seen = b->key_sets->pdata[b->key_sets->len - 1];
    const CNode* first = g_hash_table_lookup(seen, node->text);
    if (first != NULL) {
        char* quoted = config_quote(node->text);
        char* what =
            g_strdup_printf("duplicate key '%s' (first defined at line %d)", quoted, first->line);
        int rv = _cnode_failAt(b, node, node->text, "%s", what);
        g_free(what);
        g_free(quoted);
        cnode_free(node);
        return rv;
    }
    g_ptr_array_add(parent->keys, node);
    g_hash_table_insert(seen, node->text, node);
    return 0;
}

static int _cnode_checkTag(CNodeBuilder* b, const yaml_char_t* tag, int line, int column) {
    if (tag == NULL || strcmp((const char*)tag, "!") == 0 ||
        g_str_has_prefix((const char*)tag, "tag:yaml.org,2002:")) {
        return 0;
    }
    CNode at = {.line = line, .column = column};
    return _cnode_failAt(b, &at, NULL, "unsupported YAML tag '%s'", (const char*)tag);
}

static int _cnode_onScalar(CNodeBuilder* b, const yaml_event_t* ev, int line, int column) {
    const char* tag = (const char*)ev->data.scalar.tag;
    const char* value = (const char*)ev->data.scalar.value;
    CNodeKind kind;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        (tag != NULL && (strcmp(tag, "!") == 0 || strcmp(tag, YAML_STR_TAG) == 0))) {
        kind = CNODE_STRING;
    } else {
        kind = _cnode_resolvePlain(value);
    }
    CNode* node = _cnode_new(kind, line, column);
    node->text = g_strndup(value, ev->data.scalar.length);
    if (ev->data.scalar.anchor != NULL) {
        g_hash_table_insert(b->anchored, g_strdup((const char*)ev->data.scalar.anchor), node);
    }
    return _cnode_attach(b, node);
}

static int _cnode_onAlias(CNodeBuilder* b, const yaml_event_t* ev, int line, int column) {
    const char* anchor = (const char*)ev->data.alias.anchor;
    const CNode* target = g_hash_table_lookup(b->anchored, anchor);
    CNode at = {.line = line, .column = column};
    if (target == NULL) {
        return _cnode_failAt(b, &at, NULL, "unknown YAML anchor '%s'", anchor);
    }
    if (b->n_nodes + _cnode_count(target) > CNODE_MAX_NODES) {
        return _cnode_failAt(b, &at, NULL, "document too large after expanding alias '%s'", anchor);
    }
    return _cnode_attach(b, _cnode_copy(target, &b->n_nodes));
}

static int _cnode_onEvent(CNodeBuilder* b, const yaml_event_t* ev) {
    int line = (int)ev->start_mark.line + 1;
    int column = (int)ev->start_mark.column + 1;
    if (++b->n_nodes > CNODE_MAX_NODES) {
        CNode at = {.line = line, .column = column};
        return _cnode_failAt(b, &at, NULL, "document too large%s", "");
    }
    switch (ev->type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++b->n_documents > 1) {
                CNode at = {.line = line, .column = column};
                return _cnode_failAt(b, &at, NULL, "only one YAML document is allowed%s", "");
            }
            return 0;
        case YAML_SCALAR_EVENT:
            if (_cnode_checkTag(b, ev->data.scalar.tag, line, column) != 0) {
                return -EINVAL;
            }
            return _cnode_onScalar(b, ev, line, column);
        case YAML_ALIAS_EVENT:
            return _cnode_onAlias(b, ev, line, column);
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            bool is_map = ev->type == YAML_MAPPING_START_EVENT;
            const yaml_char_t* tag =
                is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
            const yaml_char_t* anchor =
                is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
            if (_cnode_checkTag(b, tag, line, column) != 0) {
                return -EINVAL;
            }
            CNode* node = _cnode_new(is_map ? CNODE_MAPPING : CNODE_SEQUENCE, line, column);
            g_ptr_array_add(b->stack, node);
            g_ptr_array_add(b->anchors, g_strdup((const char*)anchor));
            g_ptr_array_add(b->key_sets, is_map ? g_hash_table_new(g_str_hash, g_str_equal) : NULL);
            return 0;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            CNode* node = g_ptr_array_steal_index(b->stack, b->stack->len - 1);
            char* anchor = g_ptr_array_steal_index(b->anchors, b->anchors->len - 1);
            g_ptr_array_remove_index(b->key_sets, b->key_sets->len - 1);
            if (anchor != NULL) {
                g_hash_table_insert(b->anchored, anchor, node);
            }
            return _cnode_attach(b, node);
        }
        default:
            return 0;
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Merge keys and extension fields                                                                */
/* ---------------------------------------------------------------------------------------------- */

/* Moves the entries of `src` that `map` lacks into `map`; `src` is left with NULL holes (only
 * cnode_free may see it afterwards). */
static void _cnode_mergeFrom(CNode* map, CNode* src) {
    for (guint i = 0; i < src->keys->len; i++) {
        CNode* key = src->keys->pdata[i];
        if (cnode_lookup(map, key->text, NULL) == NULL) {
            g_ptr_array_add(map->keys, key);
            g_ptr_array_add(map->items, src->items->pdata[i]);
            src->keys->pdata[i] = NULL;
            src->items->pdata[i] = NULL;
        }
    }
}

static int _cnode_applyMerges(const char* file, CNode* node, GString* path, GError** error) {
    if (node->kind != CNODE_MAPPING && node->kind != CNODE_SEQUENCE) {
        return 0;
    }
    for (guint i = 0; i < node->items->len; i++) {
        gsize saved = path->len;
        if (node->kind == CNODE_MAPPING) {
            const CNode* key = node->keys->pdata[i];
            g_string_append_printf(path, "%s%s", path->len > 0 ? "." : "", key->text);
        } else {
            g_string_append_printf(path, "[%u]", i);
        }
        int rv = _cnode_applyMerges(file, node->items->pdata[i], path, error);
        g_string_truncate(path, saved);
        if (rv != 0) {
            return rv;
        }
    }
    CNode* merge_key = NULL;
    CNode* value = cnode_lookup(node, "<<", &merge_key);
    if (value == NULL || merge_key->kind != CNODE_STRING) {
        return 0;
    }
    guint index;
    g_ptr_array_find(node->keys, merge_key, &index);
    g_ptr_array_remove_index(node->keys, index);
    g_ptr_array_remove_index(node->items, index);
    int rv = 0;
    if (value->kind == CNODE_MAPPING) {
        _cnode_mergeFrom(node, value);
    } else if (value->kind == CNODE_SEQUENCE) {
        for (guint i = 0; i < value->items->len && rv == 0; i++) {
            CNode* src = value->items->pdata[i];
            if (src->kind != CNODE_MAPPING) {
                char* p = g_strdup_printf("%s%s<<[%u]", path->str, path->len ? "." : "", i);
                rv = config_fail(error, file, src, p, "a merge list may only contain mappings");
                g_free(p);
            } else {
                _cnode_mergeFrom(node, src);
            }
        }
    } else {
        char* p = g_strdup_printf("%s%s<<", path->str, path->len ? "." : "");
        rv = config_fail(error, file, value, p,
                         "the value of a merge key must be a mapping or a list of mappings");
        g_free(p);
    }
    cnode_free(merge_key);
    cnode_free(value);
    return rv;
}

static void _cnode_dropExtensions(CNode* root) {
    for (guint i = 0; i < root->keys->len;) {
        const CNode* key = root->keys->pdata[i];
        if (g_str_has_prefix(key->text, "x-")) {
            cnode_free(g_ptr_array_steal_index(root->keys, i));
            cnode_free(g_ptr_array_steal_index(root->items, i));
        } else {
            i++;
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Entry points                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

static int _cnode_build(CNodeBuilder* b, const char* text, size_t len) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char*)text, len);
    int rv = 0;
    bool done = false;
    while (!done && rv == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            CNode at = {.line = (int)parser.problem_mark.line + 1,
                        .column = (int)parser.problem_mark.column + 1};
            const char* problem = parser.problem != NULL ? parser.problem : "parse error";
            if (parser.context != NULL) {
                g_set_error(b->error, UMBRA_CONFIG_ERROR, 0, "%s:%d:%d: invalid YAML: %s: %s",
                            b->file, at.line, at.column, parser.context, problem);
            } else {
                g_set_error(b->error, UMBRA_CONFIG_ERROR, 0, "%s:%d:%d: invalid YAML: %s", b->file,
                            at.line, at.column, problem);
            }
            rv = -EINVAL;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rv = _cnode_onEvent(b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rv;
}

static void _cnode_freeKeySet(gpointer set) {
    if (set != NULL) {
        g_hash_table_destroy(set);
    }
}

CNode* cnode_parse(const char* name, const char* text, size_t len, GError** error) {
    CNodeBuilder b = {
        .file = name,
        .error = error,
        .stack = g_ptr_array_new(),
        .anchors = g_ptr_array_new_with_free_func(g_free),
        .key_sets = g_ptr_array_new_with_free_func(_cnode_freeKeySet),
        .anchored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };
    int rv = _cnode_build(&b, text, len);
    /* On failure the open collections are not attached anywhere yet: free them here. */
    for (guint i = 0; i < b.stack->len; i++) {
        cnode_free(b.stack->pdata[i]);
    }
    g_ptr_array_free(b.stack, TRUE);
    g_ptr_array_free(b.anchors, TRUE);
    g_ptr_array_free(b.key_sets, TRUE);
    g_hash_table_destroy(b.anchored);
    if (rv != 0) {
        /* Partial trees: open collections were freed above, attached ones hang off them. */
        cnode_free(b.root);
        return NULL;
    }
    if (b.root == NULL) {
        b.root = _cnode_new(CNODE_NULL, 1, 1);
        b.root->text = g_strdup("");
    }
    GString* path = g_string_new(NULL);
    rv = _cnode_applyMerges(name, b.root, path, error);
    g_string_free(path, TRUE);
    if (rv != 0) {
        cnode_free(b.root);
        return NULL;
    }
    if (b.root->kind == CNODE_MAPPING) {
        _cnode_dropExtensions(b.root);
    }
    return b.root;
}

void cnode_applyOverrides(CNode* root, const ConfigOverride* overrides, size_t n_overrides) {
    if (root->kind != CNODE_MAPPING) {
        return;
    }
    for (size_t i = 0; i < n_overrides; i++) {
        const ConfigOverride* o = &overrides[i];
        const char* dot = strchr(o->key, '.');
        if (dot == NULL) {
            continue;
        }
        char* section_name = g_strndup(o->key, (gsize)(dot - o->key));
        CNode* section = cnode_lookup(root, section_name, NULL);
        if (section == NULL) {
            CNode* key = cnode_newFromCli(section_name, o->flag);
            key->kind = CNODE_STRING;
            section = _cnode_new(CNODE_MAPPING, 0, 0);
            section->flag = o->flag;
            g_ptr_array_add(root->keys, key);
            g_ptr_array_add(root->items, section);
        }
        g_free(section_name);
        if (section->kind != CNODE_MAPPING) {
            continue;
        }
        CNode* value = cnode_newFromCli(o->value, o->flag);
        guint index;
        CNode* key = NULL;
        if (cnode_lookup(section, dot + 1, &key) != NULL &&
            g_ptr_array_find(section->keys, key, &index)) {
            cnode_free(section->items->pdata[index]);
            section->items->pdata[index] = value;
            key->flag = o->flag; /* errors about this value now point at the flag */
        } else {
            key = cnode_newFromCli(dot + 1, o->flag);
            key->kind = CNODE_STRING;
            g_ptr_array_add(section->keys, key);
            g_ptr_array_add(section->items, value);
        }
    }
}
