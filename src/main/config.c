/* Loading the configuration (compat.md 1.1): read the file, build the generic tree
 * (config_yaml.c), apply the command-line overrides to the tree so they are validated exactly like
 * file values, then deserialize into Config: built-in defaults first, then every section with
 * unknown keys rejected, then the hosts (config_hosts.c), which get host_option_defaults merged in.
 *
 * Invariants of a returned Config: every value passed its checks; every nullable option has its
 * `has_` flag (or a NULL pointer) saying whether it is set; hosts are sorted by name with strcmp;
 * every ConfigLoc.file points at config->path or at the static "command line". */
#include "main/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "main/config_internal.h"

static const char* const _config_topKeys[] = {"general",      "network", "host_option_defaults",
                                              "experimental", "hosts",   NULL};

/* ---------------------------------------------------------------------------------------------- */
/* Helpers shared with config_hosts.c                                                             */
/* ---------------------------------------------------------------------------------------------- */

char* config_expandTilde(const char* path) {
    if (strcmp(path, "~") == 0) {
        return g_strdup(g_get_home_dir());
    }
    if (g_str_has_prefix(path, "~/")) {
        return g_build_filename(g_get_home_dir(), path + 2, NULL);
    }
    return g_strdup(path);
}

int config_failUnknownKey(ConfigCtx* ctx, const CNode* key, const char* path,
                          const char* const* allowed) {
    char* list = g_strjoinv(", ", (char**)allowed);
    char* q = config_quote(key->text);
    char* full = g_strdup_printf("%s%s%s", path, path[0] ? "." : "", key->text);
    config_fail(ctx->error, ctx->file, key, full, "unknown key '%s' (expected one of: %s)", q,
                list);
    g_free(full);
    g_free(q);
    g_free(list);
    return -EINVAL;
}

static bool _config_inList(const char* const* list, const char* key) {
    for (int i = 0; list != NULL && list[i] != NULL; i++) {
        if (strcmp(list[i], key) == 0) {
            return true;
        }
    }
    return false;
}

int config_decodeSection(ConfigCtx* ctx, const CNode* map, ConfigSection section, void* base,
                         const char* path, const char* const* extra_keys, bool null_is_default) {
    if (config_expectMapping(ctx, map, path) != 0) {
        return -EINVAL;
    }
    for (guint i = 0; i < map->keys->len; i++) {
        const CNode* key = map->keys->pdata[i];
        const CNode* value = map->items->pdata[i];
        if (_config_inList(extra_keys, key->text)) {
            continue;
        }
        const ConfigOption* opt = config_findOption(section, key->text);
        if (opt == NULL) {
            GPtrArray* allowed = g_ptr_array_new();
            for (int k = 0; extra_keys != NULL && extra_keys[k] != NULL; k++) {
                g_ptr_array_add(allowed, (char*)extra_keys[k]);
            }
            for (size_t k = 0; k < config_n_options; k++) {
                if (config_options[k].section == section) {
                    g_ptr_array_add(allowed, (char*)config_options[k].key);
                }
            }
            g_ptr_array_add(allowed, NULL);
            config_failUnknownKey(ctx, key, path, (const char* const*)allowed->pdata);
            g_ptr_array_free(allowed, TRUE);
            return -EINVAL;
        }
        if (null_is_default && value->kind == CNODE_NULL) {
            continue;
        }
        char* full = g_strdup_printf("%s.%s", path, key->text);
        int rv = config_decodeOption(ctx, opt, value, full, base);
        g_free(full);
        if (rv != 0) {
            return rv;
        }
    }
    for (size_t k = 0; k < config_n_options; k++) {
        const ConfigOption* opt = &config_options[k];
        if (opt->section == section && opt->required && cnode_lookup(map, opt->key, NULL) == NULL) {
            char* full = g_strdup_printf("%s.%s", path, opt->key);
            config_fail(ctx->error, ctx->file, map, full, "missing required key");
            g_free(full);
            return -EINVAL;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* network.graph                                                                                  */
/* ---------------------------------------------------------------------------------------------- */

static int _config_decodeGraphFile(ConfigCtx* ctx, const CNode* node, GraphSpec* graph) {
    static const char* const allowed[] = {"path", "compression", NULL};
    const char* path = "network.graph.file";
    if (config_expectMapping(ctx, node, path) != 0) {
        return -EINVAL;
    }
    for (guint i = 0; i < node->keys->len; i++) {
        const CNode* key = node->keys->pdata[i];
        if (!_config_inList(allowed, key->text)) {
            return config_failUnknownKey(ctx, key, path, allowed);
        }
    }
    const CNode* file = cnode_lookup(node, "path", NULL);
    const char* text;
    if (file == NULL) {
        return config_fail(ctx->error, ctx->file, node, "network.graph.file.path",
                           "missing required key");
    }
    if (config_decodeString(ctx, file, "network.graph.file.path", &text) != 0) {
        return -EINVAL;
    }
    if (text[0] == '\0') {
        return config_fail(ctx->error, ctx->file, file, "network.graph.file.path",
                           "must not be empty");
    }
    graph->path = config_expandTilde(text);
    const CNode* comp = cnode_lookup(node, "compression", NULL);
    if (comp != NULL && comp->kind != CNODE_NULL) {
        if (comp->kind != CNODE_STRING || strcmp(comp->text, "xz") != 0) {
            char* q = config_quote(comp->text != NULL ? comp->text : "");
            config_fail(ctx->error, ctx->file, comp, "network.graph.file.compression",
                        "invalid compression '%s' (expected xz or null)", q);
            g_free(q);
            return -EINVAL;
        }
        graph->xz = true;
    }
    return 0;
}

static int _config_decodeGraph(ConfigCtx* ctx, const CNode* node, GraphSpec* graph) {
    static const char* const gml_keys[] = {"type", "inline", "file", NULL};
    static const char* const switch_keys[] = {"type", NULL};
    const char* path = "network.graph";
    if (config_expectMapping(ctx, node, path) != 0) {
        return -EINVAL;
    }
    graph->loc = (ConfigLoc){.file = ctx->file, .line = node->line, .column = node->column};
    const CNode* type = cnode_lookup(node, "type", NULL);
    const char* type_text;
    if (type == NULL) {
        return config_fail(ctx->error, ctx->file, node, "network.graph.type",
                           "missing required key");
    }
    if (config_decodeString(ctx, type, "network.graph.type", &type_text) != 0) {
        return -EINVAL;
    }
    bool is_gml = strcmp(type_text, "gml") == 0;
    if (!is_gml && strcmp(type_text, "1_gbit_switch") != 0) {
        char* q = config_quote(type_text);
        config_fail(ctx->error, ctx->file, type, "network.graph.type",
                    "invalid graph type '%s' (expected gml or 1_gbit_switch)", q);
        g_free(q);
        return -EINVAL;
    }
    for (guint i = 0; i < node->keys->len; i++) {
        const CNode* key = node->keys->pdata[i];
        if (!_config_inList(is_gml ? gml_keys : switch_keys, key->text)) {
            return config_failUnknownKey(ctx, key, path, is_gml ? gml_keys : switch_keys);
        }
    }
    if (!is_gml) {
        graph->type = GRAPH_SPEC_1_GBIT_SWITCH;
        return 0;
    }
    CNode* inline_key = NULL;
    const CNode* inline_node = cnode_lookup(node, "inline", &inline_key);
    const CNode* file_node = cnode_lookup(node, "file", NULL);
    if (inline_node != NULL && file_node != NULL) {
        return config_fail(ctx->error, ctx->file, inline_key, path,
                           "'inline' and 'file' are mutually exclusive: give exactly one");
    }
    if (inline_node == NULL && file_node == NULL) {
        return config_fail(ctx->error, ctx->file, node, path,
                           "a gml graph needs either 'inline' or 'file'");
    }
    if (file_node != NULL) {
        graph->type = GRAPH_SPEC_GML_FILE;
        return _config_decodeGraphFile(ctx, file_node, graph);
    }
    const char* text;
    if (config_decodeString(ctx, inline_node, "network.graph.inline", &text) != 0) {
        return -EINVAL;
    }
    graph->type = GRAPH_SPEC_GML_INLINE;
    graph->inline_text = g_strdup(text);
    return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* The document                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

static int _config_decodeRoot(ConfigCtx* ctx, Config* config, const CNode* root) {
    static const char* const network_extra[] = {"graph", NULL};
    if (root->kind != CNODE_MAPPING) {
        return config_fail(ctx->error, ctx->file, root, "(document)",
                           "expected a mapping with general, network and hosts");
    }
    for (guint i = 0; i < root->keys->len; i++) {
        const CNode* key = root->keys->pdata[i];
        if (!_config_inList(_config_topKeys, key->text)) {
            return config_failUnknownKey(ctx, key, "", _config_topKeys);
        }
    }
    static const char* const required[] = {"general", "network", "hosts", NULL};
    for (int i = 0; required[i] != NULL; i++) {
        if (cnode_lookup(root, required[i], NULL) == NULL) {
            return config_fail(ctx->error, ctx->file, root, required[i], "missing required key");
        }
    }
    const CNode* general = cnode_lookup(root, "general", NULL);
    if (config_decodeSection(ctx, general, CONFIG_SECTION_GENERAL, config, "general", NULL,
                             false) != 0) {
        return -EINVAL;
    }
    const CNode* network = cnode_lookup(root, "network", NULL);
    if (config_decodeSection(ctx, network, CONFIG_SECTION_NETWORK, config, "network", network_extra,
                             false) != 0) {
        return -EINVAL;
    }
    const CNode* graph = cnode_lookup(network, "graph", NULL);
    if (graph == NULL) {
        return config_fail(ctx->error, ctx->file, network, "network.graph", "missing required key");
    }
    if (_config_decodeGraph(ctx, graph, &config->graph) != 0) {
        return -EINVAL;
    }
    const CNode* hod = cnode_lookup(root, "host_option_defaults", NULL);
    if (hod != NULL &&
        config_decodeSection(ctx, hod, CONFIG_SECTION_HOST_OPTIONS, &config->host_option_defaults,
                             "host_option_defaults", NULL, false) != 0) {
        return -EINVAL;
    }
    const CNode* exp = cnode_lookup(root, "experimental", NULL);
    if (exp != NULL &&
        config_decodeSection(ctx, exp, CONFIG_SECTION_EXPERIMENTAL, &config->experimental,
                             "experimental", NULL, false) != 0) {
        return -EINVAL;
    }
    CNode* hosts_key = NULL;
    const CNode* hosts = cnode_lookup(root, "hosts", &hosts_key);
    return config_decodeHosts(ctx, config, hosts_key, hosts);
}

Config* config_loadString(const char* name, const char* yaml_text, const ConfigOverride* overrides,
                          size_t n_overrides, GError** error) {
    CNode* root = cnode_parse(name, yaml_text, strlen(yaml_text), error);
    if (root == NULL) {
        return NULL;
    }
    cnode_applyOverrides(root, overrides, n_overrides);
    Config* config = g_new0(Config, 1);
    config->path = g_strdup(name);
    config_setDefaults(config);
    ConfigCtx ctx = {.file = config->path, .error = error};
    int rv = _config_decodeRoot(&ctx, config, root);
    cnode_free(root);
    if (rv != 0) {
        config_free(config);
        return NULL;
    }
    return config;
}

/* Reads a whole stream; returns 0 or -errno. */
static int _config_readAll(FILE* in, GString* out) {
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        g_string_append_len(out, buf, (gssize)n);
    }
    return ferror(in) ? -EIO : 0;
}

Config* config_load(const char* path, const ConfigOverride* overrides, size_t n_overrides,
                    GError** error) {
    bool is_stdin = strcmp(path, "-") == 0;
    FILE* in = is_stdin ? stdin : fopen(path, "rb");
    if (in == NULL) {
        int err = errno;
        g_set_error(error, UMBRA_CONFIG_ERROR, 0, "%s: cannot read config file: %s", path,
                    g_strerror(err));
        return NULL;
    }
    GString* text = g_string_new(NULL);
    errno = 0;
    int rv = _config_readAll(in, text);
    int err = errno != 0 ? errno : EIO;
    if (!is_stdin) {
        fclose(in);
    }
    Config* config = NULL;
    if (rv != 0) {
        g_set_error(error, UMBRA_CONFIG_ERROR, 0, "%s: cannot read config file: %s", path,
                    g_strerror(err));
    } else if (memchr(text->str, '\0', text->len) != NULL) {
        g_set_error(error, UMBRA_CONFIG_ERROR, 0, "%s: cannot read config file: %s", path,
                    "it contains NUL bytes (not a YAML text file)");
    } else {
        config = config_loadString(is_stdin ? "<stdin>" : path, text->str, overrides, n_overrides,
                                   error);
    }
    g_string_free(text, TRUE);
    return config;
}

static void _config_freeProcess(ProcessConfig* proc) {
    g_free(proc->path);
    g_strfreev(proc->args);
    g_strfreev(proc->env);
}

void config_free(Config* config) {
    if (config == NULL) {
        return;
    }
    for (size_t i = 0; i < config->n_hosts; i++) {
        HostConfig* host = &config->hosts[i];
        for (size_t p = 0; p < host->n_processes; p++) {
            _config_freeProcess(&host->processes[p]);
        }
        g_free(host->processes);
        g_free(host->name);
    }
    g_free(config->hosts);
    g_free(config->graph.inline_text);
    g_free(config->graph.path);
    g_free(config->data_directory);
    g_free(config->template_directory);
    g_free(config->path);
    g_free(config);
}
