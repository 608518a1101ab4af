/* Decoding config values: the one-line error formatter, the scalar decoders (bool, integers, units,
 * signals, log levels, strings) shared by config.c and config_hosts.c, and the table-driven
 * decoding, defaults and formatting of the options in config_table.c. */
#include "main/config_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/units.h"

/* ---------------------------------------------------------------------------------------------- */
/* Errors                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

GQuark umbra_config_error_quark(void) {
    return g_quark_from_static_string("umbra-config-error-quark");
}

char* config_quote(const char* text) {
    if (!g_utf8_validate(text, -1, NULL)) {
        return g_strdup("(invalid UTF-8)");
    }
    if (g_utf8_strlen(text, -1) <= 60) {
        return g_strdup(text);
    }
    char* head = g_utf8_substring(text, 0, 57);
    char* quoted = g_strconcat(head, "...", NULL);
    g_free(head);
    return quoted;
}

int config_fail(GError** error, const char* file, const CNode* at, const char* path,
                const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char* what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    GString* msg = g_string_new(NULL);
    if (at != NULL && at->flag != NULL) {
        g_string_append_printf(msg, "command line: %s: %s", at->flag, what);
    } else if (at != NULL && at->line > 0) {
        g_string_append_printf(msg, "%s:%d:%d: %s: %s", file, at->line, at->column, path, what);
    } else {
        g_string_append_printf(msg, "%s: %s: %s", file, path, what);
    }
    /* One line, always: escape control characters that came from user text. */
    GString* line = g_string_sized_new(msg->len);
    for (gsize i = 0; i < msg->len; i++) {
        unsigned char c = (unsigned char)msg->str[i];
        if (c == '\n') {
            g_string_append(line, "\\n");
        } else if (c < 0x20 || c == 0x7f) {
            g_string_append_printf(line, "\\x%02x", c);
        } else {
            g_string_append_c(line, (char)c);
        }
    }
    g_set_error_literal(error, UMBRA_CONFIG_ERROR, 0, line->str);
    g_string_free(line, TRUE);
    g_string_free(msg, TRUE);
    g_free(what);
    return -EINVAL;
}

static const char* _config_kindName(CNodeKind kind) {
    switch (kind) {
        case CNODE_NULL:
            return "null";
        case CNODE_BOOL:
            return "a boolean";
        case CNODE_INT:
            return "an integer";
        case CNODE_FLOAT:
            return "a number";
        case CNODE_STRING:
            return "a string";
        case CNODE_MAPPING:
            return "a mapping";
        case CNODE_SEQUENCE:
            return "a list";
    }
    return "?";
}

static int _config_failExpected(ConfigCtx* ctx, const CNode* node, const char* path,
                                const char* expected) {
    if (node->kind == CNODE_MAPPING || node->kind == CNODE_SEQUENCE || node->kind == CNODE_NULL) {
        return config_fail(ctx->error, ctx->file, node, path, "expected %s, got %s", expected,
                           _config_kindName(node->kind));
    }
    char* q = config_quote(node->text);
    config_fail(ctx->error, ctx->file, node, path, "expected %s, got %s '%s'%s", expected,
                _config_kindName(node->kind), q,
                strcmp(expected, "a string") == 0 ? " (quote it)" : "");
    g_free(q);
    return -EINVAL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Scalar decoders                                                                                */
/* ---------------------------------------------------------------------------------------------- */

int config_expectMapping(ConfigCtx* ctx, const CNode* node, const char* path) {
    return node->kind == CNODE_MAPPING ? 0 : _config_failExpected(ctx, node, path, "a mapping");
}

int config_decodeBool(ConfigCtx* ctx, const CNode* node, const char* path, bool* out) {
    if (node->kind != CNODE_BOOL) {
        return _config_failExpected(ctx, node, path, "true or false");
    }
    *out = node->text[0] == 't' || node->text[0] == 'T';
    return 0;
}

/* Parses a core-schema integer (decimal with sign, 0x hex, 0o octal) into sign and magnitude. */
static int _config_parseInt(const char* text, bool* negative, uint64_t* magnitude) {
    const char* p = text;
    *negative = false;
    int base = 10;
    if (p[0] == '-' || p[0] == '+') {
        *negative = p[0] == '-';
        p++;
    } else if (g_str_has_prefix(p, "0x")) {
        base = 16;
        p += 2;
    } else if (g_str_has_prefix(p, "0o")) {
        base = 8;
        p += 2;
    }
    guint64 value;
    if (!g_ascii_string_to_unsigned(p, base, 0, UINT64_MAX, &value, NULL)) {
        return -ERANGE; /* the node is CNODE_INT, so the only failure left is overflow */
    }
    *magnitude = value;
    return 0;
}

static int _config_decodeInt(ConfigCtx* ctx, const CNode* node, const char* path, int64_t min,
                             uint64_t max, int64_t* out) {
    bool negative = false;
    uint64_t magnitude = 0;
    if (node->kind != CNODE_INT) {
        return _config_failExpected(ctx, node, path, "an integer");
    }
    int rv = _config_parseInt(node->text, &negative, &magnitude);
    bool ok = rv == 0 && (negative ? magnitude <= (uint64_t)(-(min + 1)) + 1 : magnitude <= max);
    if (!ok && negative && min == 0 && magnitude != 0) {
        return config_fail(ctx->error, ctx->file, node, path, "must not be negative (got %s)",
                           node->text);
    }
    if (!ok) {
        return config_fail(ctx->error, ctx->file, node, path,
                           "%s is out of range (%" G_GINT64_FORMAT " to %" G_GUINT64_FORMAT ")",
                           node->text, min, max);
    }
    *out = negative ? -(int64_t)(magnitude - 1) - 1 : (int64_t)magnitude;
    if (negative && magnitude == 0) {
        *out = 0;
    }
    return 0;
}

int config_decodeU32(ConfigCtx* ctx, const CNode* node, const char* path, uint32_t* out) {
    int64_t value;
    if (_config_decodeInt(ctx, node, path, 0, UINT32_MAX, &value) != 0) {
        return -EINVAL;
    }
    *out = (uint32_t)value;
    return 0;
}

int config_decodeI32(ConfigCtx* ctx, const CNode* node, const char* path, int32_t* out) {
    int64_t value;
    if (_config_decodeInt(ctx, node, path, INT32_MIN, INT32_MAX, &value) != 0) {
        return -EINVAL;
    }
    *out = (int32_t)value;
    return 0;
}

typedef int (*UnitsParser)(const char* text, uint64_t* out);

static int _config_decodeUnits(ConfigCtx* ctx, const CNode* node, const char* path,
                               UnitsParser parse, const char* what, const char* example,
                               uint64_t* out) {
    if (node->kind != CNODE_INT && node->kind != CNODE_FLOAT && node->kind != CNODE_STRING) {
        return _config_failExpected(ctx, node, path, what);
    }
    int rv = parse(node->text, out);
    if (rv == 0) {
        return 0;
    }
    char* q = config_quote(node->text);
    const char* hint = "expected an unsigned integer and a unit, e.g.";
    if (strchr(node->text, '-') != NULL) {
        hint = "negative values are not allowed; expected e.g.";
    } else if (strchr(node->text, '.') != NULL) {
        hint = "fractions are not allowed; use a smaller unit, e.g.";
    }
    if (rv == -ERANGE) {
        config_fail(ctx->error, ctx->file, node, path, "%s '%s' is too large", what, q);
    } else {
        config_fail(ctx->error, ctx->file, node, path, "invalid %s '%s' (%s '%s')", what, q, hint,
                    example);
    }
    g_free(q);
    return -EINVAL;
}

int config_decodeTime(ConfigCtx* ctx, const CNode* node, const char* path, uint64_t* out) {
    return _config_decodeUnits(ctx, node, path, units_parseTime, "time", "10 ms", out);
}

int config_decodeBandwidth(ConfigCtx* ctx, const CNode* node, const char* path, uint64_t* out) {
    return _config_decodeUnits(ctx, node, path, units_parseBandwidth, "bandwidth", "100 Mbit", out);
}

int config_decodeBytes(ConfigCtx* ctx, const CNode* node, const char* path, uint64_t* out) {
    return _config_decodeUnits(ctx, node, path, units_parseBytes, "byte size", "64 KiB", out);
}

int config_decodeSignal(ConfigCtx* ctx, const CNode* node, const char* path, int* out) {
    if (node->kind != CNODE_INT && node->kind != CNODE_STRING) {
        return _config_failExpected(ctx, node, path, "a signal");
    }
    if (units_parseSignal(node->text, out) == 0) {
        return 0;
    }
    char* q = config_quote(node->text);
    config_fail(ctx->error, ctx->file, node, path,
                "invalid signal '%s' (expected a name such as SIGTERM or a standard signal number; "
                "realtime signals are not supported)",
                q);
    g_free(q);
    return -EINVAL;
}

int config_decodeLogLevel(ConfigCtx* ctx, const CNode* node, const char* path, LogLevel* out) {
    if (node->kind == CNODE_STRING && logger_parseLevel(node->text, out) == 0) {
        return 0;
    }
    if (node->kind != CNODE_STRING) {
        return _config_failExpected(ctx, node, path, "a log level");
    }
    char* q = config_quote(node->text);
    config_fail(ctx->error, ctx->file, node, path,
                "invalid log level '%s' (expected error, warning, info, debug or trace)", q);
    g_free(q);
    return -EINVAL;
}

int config_decodeString(ConfigCtx* ctx, const CNode* node, const char* path, const char** out) {
    bool from_cli = node->flag != NULL && node->kind != CNODE_NULL;
    if (node->kind != CNODE_STRING &&
        !(from_cli && node->kind != CNODE_MAPPING && node->kind != CNODE_SEQUENCE)) {
        return _config_failExpected(ctx, node, path, "a string");
    }
    *out = node->text;
    return 0;
}

static int _config_decodeEnum(ConfigCtx* ctx, const ConfigOption* opt, const CNode* node,
                              const char* path, int* out) {
    for (int i = 0; node->kind == CNODE_STRING && opt->choices[i] != NULL; i++) {
        if (strcmp(node->text, opt->choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    char* list = g_strjoinv(", ", (char**)opt->choices);
    char* q =
        node->text != NULL ? config_quote(node->text) : g_strdup(_config_kindName(node->kind));
    config_fail(ctx->error, ctx->file, node, path, "invalid value '%s' (expected one of: %s)", q,
                list);
    g_free(q);
    g_free(list);
    return -EINVAL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Table-driven decoding, defaults and formatting                                                 */
/* ---------------------------------------------------------------------------------------------- */

static int _config_checkRange(ConfigCtx* ctx, const ConfigOption* opt, const CNode* node,
                              const char* path, uint64_t value) {
    char lo[64], hi[64];
    bool is_time = opt->type == CONFIG_OPT_TIME;
    if (value < opt->min_value) {
        if (is_time) {
            units_formatTime(opt->min_value, lo, sizeof(lo));
        } else {
            units_formatBytes(opt->min_value, lo, sizeof(lo));
        }
        return config_fail(ctx->error, ctx->file, node, path, "must be at least %s (got %s)", lo,
                           node->text);
    }
    if (opt->max_value != 0 && value > opt->max_value) {
        if (is_time) {
            units_formatTime(opt->max_value, hi, sizeof(hi));
        } else {
            units_formatBytes(opt->max_value, hi, sizeof(hi));
        }
        return config_fail(ctx->error, ctx->file, node, path, "must be at most %s (got %s)", hi,
                           node->text);
    }
    return 0;
}

int config_decodeOption(ConfigCtx* ctx, const ConfigOption* opt, const CNode* node,
                        const char* path, void* base) {
    char* field = (char*)base + opt->offset;
    if (node->kind == CNODE_NULL) {
        if (!opt->nullable) {
            return config_fail(ctx->error, ctx->file, node, path, "must not be null");
        }
        if (opt->has_offset != CONFIG_NO_HAS) {
            *(bool*)((char*)base + opt->has_offset) = false;
        }
        if (opt->type == CONFIG_OPT_STRING) {
            g_clear_pointer((char**)field, g_free);
        }
        return 0;
    }
    int rv = -EINVAL;
    uint64_t u64 = 0;
    const char* str = NULL;
    switch (opt->type) {
        case CONFIG_OPT_BOOL:
            rv = config_decodeBool(ctx, node, path, (bool*)field);
            break;
        case CONFIG_OPT_U32:
            rv = config_decodeU32(ctx, node, path, (uint32_t*)field);
            break;
        case CONFIG_OPT_LOG_LEVEL:
            rv = config_decodeLogLevel(ctx, node, path, (LogLevel*)field);
            break;
        case CONFIG_OPT_ENUM:
            rv = _config_decodeEnum(ctx, opt, node, path, (int*)field);
            break;
        case CONFIG_OPT_TIME:
        case CONFIG_OPT_BYTES:
            rv = opt->type == CONFIG_OPT_TIME ? config_decodeTime(ctx, node, path, &u64)
                                              : config_decodeBytes(ctx, node, path, &u64);
            if (rv == 0) {
                rv = _config_checkRange(ctx, opt, node, path, u64);
            }
            if (rv == 0) {
                *(uint64_t*)field = u64;
            }
            break;
        case CONFIG_OPT_STRING:
            rv = config_decodeString(ctx, node, path, &str);
            if (rv == 0) {
                g_free(*(char**)field);
                *(char**)field = g_strdup(str);
            }
            break;
    }
    if (rv == 0 && opt->has_offset != CONFIG_NO_HAS) {
        *(bool*)((char*)base + opt->has_offset) = true;
    }
    return rv;
}

void config_setDefaults(Config* config) {
    ConfigCtx ctx = {.file = "defaults", .error = NULL};
    for (size_t i = 0; i < config_n_options; i++) {
        const ConfigOption* opt = &config_options[i];
        CNode node = {.kind = CNODE_NULL, .text = (char*)"null"};
        if (opt->default_text == NULL && !opt->nullable) {
            continue; /* required */
        }
        CNode* parsed = cnode_newFromCli(opt->default_text ? opt->default_text : "null", NULL);
        int rv = config_decodeOption(&ctx, opt, opt->default_text ? parsed : &node, opt->key,
                                     config_sectionBase(config, opt->section));
        g_assert(rv == 0);
        cnode_free(parsed);
    }
}

char* config_formatOption(const ConfigOption* opt, const void* base) {
    const char* field = (const char*)base + opt->offset;
    char buf[64];
    if (opt->has_offset != CONFIG_NO_HAS && !*(const bool*)((const char*)base + opt->has_offset)) {
        return g_strdup("null");
    }
    switch (opt->type) {
        case CONFIG_OPT_BOOL:
            return g_strdup(*(const bool*)field ? "true" : "false");
        case CONFIG_OPT_U32:
            return g_strdup_printf("%u", *(const uint32_t*)field);
        case CONFIG_OPT_TIME:
            units_formatTime(*(const uint64_t*)field, buf, sizeof(buf));
            return g_strdup(buf);
        case CONFIG_OPT_BYTES:
            units_formatBytes(*(const uint64_t*)field, buf, sizeof(buf));
            return g_strdup(buf);
        case CONFIG_OPT_STRING: {
            const char* s = *(char* const*)field;
            return s == NULL ? g_strdup("null") : config_yamlString(s);
        }
        case CONFIG_OPT_LOG_LEVEL:
            return g_strdup(logger_levelName(*(const LogLevel*)field));
        case CONFIG_OPT_ENUM:
            return g_strdup(opt->choices[*(const int*)field]);
    }
    return g_strdup("null");
}

char* config_yamlString(const char* text) {
    GString* out = g_string_new("\"");
    for (const char* p = text; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            g_string_append_printf(out, "\\%c", c);
        } else if (c == '\n') {
            g_string_append(out, "\\n");
        } else if (c == '\t') {
            g_string_append(out, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            g_string_append_printf(out, "\\x%02x", c);
        } else {
            g_string_append_c(out, (char)c);
        }
    }
    g_string_append_c(out, '"');
    return g_string_free(out, FALSE);
}

int config_checkOverride(const ConfigOverride* override, GError** error) {
    ConfigCtx ctx = {.file = "command line", .error = error};
    const char* dot = strchr(override->key, '.');
    const ConfigOption* opt = NULL;
    for (int s = CONFIG_SECTION_GENERAL; dot != NULL && s <= CONFIG_SECTION_EXPERIMENTAL; s++) {
        size_t len = strlen(config_sectionName(s));
        if ((size_t)(dot - override->key) == len &&
            strncmp(override->key, config_sectionName(s), len) == 0) {
            opt = config_findOption(s, dot + 1);
        }
    }
    CNode* node = cnode_newFromCli(override->value, override->flag);
    int rv;
    if (opt == NULL) {
        rv = config_fail(error, ctx.file, node, override->key, "unknown option");
    } else {
        Config* scratch = g_new0(Config, 1);
        config_setDefaults(scratch);
        rv = config_decodeOption(&ctx, opt, node, override->key,
                                 config_sectionBase(scratch, opt->section));
        config_free(scratch);
    }
    cnode_free(node);
    return rv;
}
