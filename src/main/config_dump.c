/* config_toYaml: the merged configuration as YAML, written to processed-config.yaml and shown by
 * --show-config. Every key is written with its effective value (units in canonical form, `null`
 * for unset nullable options, host options already merged), in a fixed order, so the text is
 * deterministic and loading it again gives an equal Config. Strings are always double-quoted. */
#include "main/config.h"

#include <string.h>

#include "lib/units.h"
#include "main/config_internal.h"

static void _config_dumpSection(GString* out, const Config* config, ConfigSection section,
                                const void* base, const char* indent) {
    for (size_t i = 0; i < config_n_options; i++) {
        const ConfigOption* opt = &config_options[i];
        if (opt->section != section) {
            continue;
        }
        char* value = config_formatOption(opt, base);
        g_string_append_printf(out, "%s%s: %s\n", indent, opt->key, value);
        g_free(value);
    }
}

static void _config_dumpGraph(GString* out, const GraphSpec* graph) {
    g_string_append(out, "  graph:\n");
    if (graph->type == GRAPH_SPEC_1_GBIT_SWITCH) {
        g_string_append(out, "    type: 1_gbit_switch\n");
        return;
    }
    g_string_append(out, "    type: gml\n");
    if (graph->type == GRAPH_SPEC_GML_INLINE) {
        char* text = config_yamlString(graph->inline_text);
        g_string_append_printf(out, "    inline: %s\n", text);
        g_free(text);
        return;
    }
    char* path = config_yamlString(graph->path);
    g_string_append_printf(out, "    file:\n      path: %s\n      compression: %s\n", path,
                           graph->xz ? "xz" : "null");
    g_free(path);
}

static void _config_dumpFinalState(GString* out, const ExpectedFinalState* state) {
    g_string_append(out, "      expected_final_state: ");
    if (state->kind == FINAL_STATE_RUNNING) {
        g_string_append(out, "running\n");
    } else if (state->kind == FINAL_STATE_EXITED) {
        g_string_append_printf(out, "{exited: %d}\n", state->value);
    } else {
        const char* name = units_signalName(state->value);
        if (name != NULL) {
            g_string_append_printf(out, "{signaled: %s}\n", name);
        } else {
            g_string_append_printf(out, "{signaled: %d}\n", state->value);
        }
    }
}

static void _config_dumpProcess(GString* out, const ProcessConfig* proc) {
    char buf[64];
    char* s = config_yamlString(proc->path);
    g_string_append_printf(out, "    - path: %s\n      args: [", s);
    g_free(s);
    for (int i = 0; proc->args[i] != NULL; i++) {
        s = config_yamlString(proc->args[i]);
        g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", s);
        g_free(s);
    }
    g_string_append(out, "]\n      environment: {");
    for (int i = 0; proc->env[i] != NULL; i++) {
        const char* eq = strchr(proc->env[i], '=');
        char* key = g_strndup(proc->env[i], (gsize)(eq - proc->env[i]));
        char* k = config_yamlString(key);
        char* v = config_yamlString(eq + 1);
        g_string_append_printf(out, "%s%s: %s", i > 0 ? ", " : "", k, v);
        g_free(v);
        g_free(k);
        g_free(key);
    }
    g_string_append(out, "}\n");
    units_formatTime(proc->start_time, buf, sizeof(buf));
    g_string_append_printf(out, "      start_time: %s\n", buf);
    if (proc->has_shutdown_time) {
        units_formatTime(proc->shutdown_time, buf, sizeof(buf));
        g_string_append_printf(out, "      shutdown_time: %s\n", buf);
    } else {
        g_string_append(out, "      shutdown_time: null\n");
    }
    const char* sig = units_signalName(proc->shutdown_signal);
    if (sig != NULL) {
        g_string_append_printf(out, "      shutdown_signal: %s\n", sig);
    } else {
        g_string_append_printf(out, "      shutdown_signal: %d\n", proc->shutdown_signal);
    }
    _config_dumpFinalState(out, &proc->expected_final_state);
}

static void _config_dumpHost(GString* out, const Config* config, const HostConfig* host) {
    char buf[64];
    g_string_append_printf(out, "  %s:\n", host->name); /* validated: [a-z0-9.-] only */
    g_string_append_printf(out, "    network_node_id: %u\n", host->network_node_id);
    if (host->has_ip_addr) {
        g_string_append_printf(out, "    ip_addr: \"%u.%u.%u.%u\"\n", host->ip_addr >> 24,
                               (host->ip_addr >> 16) & 0xff, (host->ip_addr >> 8) & 0xff,
                               host->ip_addr & 0xff);
    } else {
        g_string_append(out, "    ip_addr: null\n");
    }
    units_formatBandwidth(host->bandwidth_down, buf, sizeof(buf));
    g_string_append_printf(out, "    bandwidth_down: %s\n",
                           host->has_bandwidth_down ? buf : "null");
    units_formatBandwidth(host->bandwidth_up, buf, sizeof(buf));
    g_string_append_printf(out, "    bandwidth_up: %s\n", host->has_bandwidth_up ? buf : "null");
    g_string_append(out, "    host_options:\n");
    _config_dumpSection(out, config, CONFIG_SECTION_HOST_OPTIONS, &host->options, "      ");
    g_string_append(out, host->n_processes > 0 ? "    processes:\n" : "    processes: []\n");
    for (size_t p = 0; p < host->n_processes; p++) {
        _config_dumpProcess(out, &host->processes[p]);
    }
}

char* config_toYaml(const Config* config) {
    GString* out = g_string_new(NULL);
    g_string_append(out, "general:\n");
    _config_dumpSection(out, config, CONFIG_SECTION_GENERAL, config, "  ");
    g_string_append(out, "network:\n");
    _config_dumpGraph(out, &config->graph);
    _config_dumpSection(out, config, CONFIG_SECTION_NETWORK, config, "  ");
    g_string_append(out, "host_option_defaults:\n");
    _config_dumpSection(out, config, CONFIG_SECTION_HOST_OPTIONS, &config->host_option_defaults,
                        "  ");
    g_string_append(out, "experimental:\n");
    _config_dumpSection(out, config, CONFIG_SECTION_EXPERIMENTAL, &config->experimental, "  ");
    g_string_append(out, "hosts:\n");
    for (size_t i = 0; i < config->n_hosts; i++) {
        _config_dumpHost(out, config, &config->hosts[i]);
    }
    return g_string_free(out, FALSE);
}
