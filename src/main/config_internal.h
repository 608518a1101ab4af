/* Internals of the configuration loader, shared by config_yaml.c (the generic document tree),
 * config_table.c (the options table), config_options.c (the decoders), config.c (typed
 * deserialization and validation), config_hosts.c (hosts and processes), config_dump.c
 * (config_toYaml) and cli.c (flags come from the same options table). Nothing here is for other
 * modules. */
#ifndef SIM_MAIN_CONFIG_INTERNAL_H_
#define SIM_MAIN_CONFIG_INTERNAL_H_

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "main/config.h"

/* ----------------------------------------------------------------------------------------------
 * Generic document tree (config_yaml.c)
 * ---------------------------------------------------------------------------------------------- */

/* What a node is. Plain scalars are resolved with the YAML 1.2 core schema (null, bool, int,
 * float); quoted scalars and scalars tagged !!str are always strings. */
typedef enum {
    CNODE_NULL,
    CNODE_BOOL,
    CNODE_INT,
    CNODE_FLOAT,
    CNODE_STRING,
    CNODE_MAPPING,
    CNODE_SEQUENCE,
} CNodeKind;

typedef struct _CNode CNode;
struct _CNode {
    CNodeKind kind;   /* see above */
    char* text;       /* scalar text as written (also set for null: "null", "~" or "") */
    int line;         /* 1-based position in the file; 0 for command-line values */
    int column;       /* 1-based */
    const char* flag; /* the command-line flag for override values (borrowed), else NULL */
    GPtrArray* keys;  /* CNODE_MAPPING: key nodes (CNode*), in document order */
    GPtrArray* items; /* CNODE_MAPPING: value nodes, parallel to keys; CNODE_SEQUENCE: items */
};

/* Parses one YAML document: anchors and aliases are resolved (aliases become deep copies, so errors
 * point at the anchored text), duplicate mapping keys and non-scalar keys are rejected, `<<` merge
 * keys are applied and top-level `x-` keys are dropped. `name` is the file name used in messages.
 * Returns the root (caller frees with cnode_free) or NULL with `error` set. */
CNode* cnode_parse(const char* name, const char* text, size_t len, GError** error);
void cnode_free(CNode* node);

/* Value of `key` in a mapping node, or NULL (borrowed). `key_out`, if not NULL, gets the key node.
 */
CNode* cnode_lookup(const CNode* map, const char* key, CNode** key_out);

/* A scalar node for a command-line value: "null" (and "~") become null, other text is resolved
 * like a plain YAML scalar; `flag` (borrowed) marks the node as coming from the command line. */
CNode* cnode_newFromCli(const char* text, const char* flag);

/* Applies overrides to the tree: `section.key` is set to the override value, creating the section
 * mapping when it is missing. Sections that exist but are not mappings are left alone (the typed
 * pass reports them). */
void cnode_applyOverrides(CNode* root, const ConfigOverride* overrides, size_t n_overrides);

/* ----------------------------------------------------------------------------------------------
 * Error reporting (config_options.c)
 * ---------------------------------------------------------------------------------------------- */

/* Sets `error` to "<file>:<line>:<col>: <path>: <message>" (or "command line: <flag>: <message>"
 * for a command-line node). Control characters are escaped so the message is one line. Always
 * returns -EINVAL so callers can `return config_fail(...)`. */
int config_fail(GError** error, const char* file, const CNode* at, const char* path,
                const char* fmt, ...) __attribute__((format(printf, 5, 6)));

/* A short printable rendering of `text` for messages: truncated to 60 bytes. Caller g_frees. */
char* config_quote(const char* text);

/* ----------------------------------------------------------------------------------------------
 * Scalar decoders (config_options.c). Each returns 0, or -EINVAL with `error` set naming `path`.
 * None of them accepts null: callers handle nullable values first.
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    const char* file; /* the config's name for messages (borrowed) */
    GError** error;   /* where failures go */
} ConfigCtx;

int config_decodeBool(ConfigCtx* ctx, const CNode* node, const char* path, bool* out);
int config_decodeU32(ConfigCtx* ctx, const CNode* node, const char* path, uint32_t* out);
int config_decodeI32(ConfigCtx* ctx, const CNode* node, const char* path, int32_t* out);
int config_decodeTime(ConfigCtx* ctx, const CNode* node, const char* path, uint64_t* out);
int config_decodeBandwidth(ConfigCtx* ctx, const CNode* node, const char* path, uint64_t* out);
int config_decodeBytes(ConfigCtx* ctx, const CNode* node, const char* path, uint64_t* out);
int config_decodeSignal(ConfigCtx* ctx, const CNode* node, const char* path, int* out);
int config_decodeLogLevel(ConfigCtx* ctx, const CNode* node, const char* path, LogLevel* out);
/* A string: quoted, or plain text that the core schema does not read as null/bool/number (any
 * non-null text from the command line). `*out` is borrowed from the node. */
int config_decodeString(ConfigCtx* ctx, const CNode* node, const char* path, const char** out);
/* Checks that `node` is a mapping ("expected a mapping"). */
int config_expectMapping(ConfigCtx* ctx, const CNode* node, const char* path);

/* ----------------------------------------------------------------------------------------------
 * The options table (config_table.c; decoding in config_options.c): every scalar option of general,
 * network, host_option_defaults and experimental. It drives deserialization, defaults, the
 * command-line flags, --help and the YAML dump.
 * ---------------------------------------------------------------------------------------------- */

typedef enum {
    CONFIG_SECTION_GENERAL,
    CONFIG_SECTION_NETWORK,
    CONFIG_SECTION_HOST_OPTIONS, /* host_option_defaults and hosts.<name>.host_options */
    CONFIG_SECTION_EXPERIMENTAL,
} ConfigSection;

typedef enum {
    CONFIG_OPT_BOOL,      /* bool */
    CONFIG_OPT_U32,       /* uint32_t */
    CONFIG_OPT_TIME,      /* uint64_t nanoseconds */
    CONFIG_OPT_BYTES,     /* uint64_t bytes */
    CONFIG_OPT_STRING,    /* char* (owned by the struct) */
    CONFIG_OPT_LOG_LEVEL, /* LogLevel */
    CONFIG_OPT_ENUM,      /* int-sized enum, values 0..n-1 named by `choices` */
} ConfigOptType;

/* `has_offset` of options that are not nullable. */
#define CONFIG_NO_HAS SIZE_MAX

typedef struct {
    ConfigSection section;      /* which mapping the key lives in */
    const char* key;            /* YAML key, e.g. "stop_time" */
    const char* flag;           /* long flag without "--", e.g. "stop-time" */
    char short_flag;            /* e.g. 'p', or 0 */
    ConfigOptType type;         /* value type */
    bool nullable;              /* accepts null (the `has_offset` bool says whether set) */
    bool required;              /* must be given (general.stop_time) */
    bool hidden;                /* hidden from -h (shown by --help) */
    const char* const* choices; /* CONFIG_OPT_ENUM: NULL-terminated names */
    const char* default_text;   /* default as YAML scalar text; NULL = null or required */
    uint64_t min_value;         /* numeric options: smallest allowed value */
    uint64_t max_value;         /* numeric options: largest allowed value (0 = type's max) */
    size_t offset;              /* offset of the value in the section's struct */
    size_t has_offset;          /* nullable: offset of the bool "has" field */
    const char* value_name;     /* placeholder in --help, e.g. "seconds" */
    const char* help;           /* one-line description for --help */
} ConfigOption;

/* The table, in documentation order. */
extern const ConfigOption config_options[];
extern const size_t config_n_options;

const char* config_sectionName(ConfigSection section);
/* The option named `key` in `section`, or NULL. */
const ConfigOption* config_findOption(ConfigSection section, const char* key);
/* The struct an option of `section` is stored in: the Config itself, its host_option_defaults or
 * its experimental member. */
void* config_sectionBase(Config* config, ConfigSection section);

/* Decodes `node` into the option's field in `base` (null unsets a nullable option). */
int config_decodeOption(ConfigCtx* ctx, const ConfigOption* opt, const CNode* node,
                        const char* path, void* base);
/* Writes every option's default into `config` (strings are g_strdup'ed). */
void config_setDefaults(Config* config);
/* The option's current value in `base` as YAML scalar text ("null" when unset). Caller g_frees. */
char* config_formatOption(const ConfigOption* opt, const void* base);

/* `text` as a double-quoted YAML scalar (escapes quotes, backslashes, control characters). */
char* config_yamlString(const char* text);

/* `~` or `~/...` expanded with the home directory; other paths unchanged. Caller g_frees. */
char* config_expandTilde(const char* path);

/* Decodes `hosts` (config_hosts.c): hostnames, per-host keys, processes, the host options merge
 * and the cross-checks that do not need the graph. `general` and `host_option_defaults` must be
 * decoded already. `at` is the `hosts` key (for "no hosts"). Fills config->hosts sorted by name. */
int config_decodeHosts(ConfigCtx* ctx, Config* config, const CNode* at, const CNode* hosts);

/* Decodes a mapping of table options of `section` into `base`, rejecting unknown keys (except
 * those in `extra_keys`, NULL-terminated, which the caller handles). With `null_is_default`, null
 * values are skipped (hosts.<name>.host_options: null means "use host_option_defaults"). */
int config_decodeSection(ConfigCtx* ctx, const CNode* map, ConfigSection section, void* base,
                         const char* path, const char* const* extra_keys, bool null_is_default);

/* Sets an "unknown key" error for `key` in the mapping at `path`, listing `allowed` keys. */
int config_failUnknownKey(ConfigCtx* ctx, const CNode* key, const char* path,
                          const char* const* allowed);

/* Checks the value of a command-line override the way config_load would (used by the CLI to
 * reject bad values before reading the file). Returns 0 or -EINVAL with `error` set. */
int config_checkOverride(const ConfigOverride* override, GError** error);

#endif
