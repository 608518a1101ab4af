/* The `hosts` section (compat.md 1.7 and 1.8): hostnames, per-host keys, processes, the merge of
 * host_option_defaults into each host, and every check on hosts and processes that does not need
 * the network graph (start/shutdown times against stop_time, IP addresses, signals, final states).
 *
 * Hosts are validated in document order, so the first error reported is the first in the file;
 * the finished array is then sorted by name with strcmp (host ids follow that order). Checks that
 * need the graph (node id exists, bandwidth known) are the controller's: it gets `loc` and
 * `node_id_loc` to report them. */
#include "main/config_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lib/units.h"

#define HOSTNAME_MAX 253

static bool _config_hasKey(const char* const* list, const char* key) {
    for (int i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], key) == 0) {
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------- */
/* Hostnames and addresses                                                                        */
/* ---------------------------------------------------------------------------------------------- */

/* Returns NULL when `name` is a valid hostname, else why not (caller g_frees). */
static char* _config_checkHostname(const char* name) {
    if (name[0] == '\0') {
        return g_strdup("hostname must not be empty");
    }
    if (g_ascii_strcasecmp(name, "localhost") == 0) {
        return g_strdup("the hostname 'localhost' is reserved");
    }
    if (strlen(name) > HOSTNAME_MAX) {
        return g_strdup_printf("hostname is longer than %d characters", HOSTNAME_MAX);
    }
    if (name[0] == '-') {
        return g_strdup("hostname must not start with '-'");
    }
    for (const char* p = name; *p != '\0'; p = g_utf8_next_char(p)) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.';
        if (!ok) {
            char* ch = g_utf8_validate(p, -1, NULL) ? g_utf8_substring(p, 0, 1) : g_strdup("?");
            char* why = g_strdup_printf("invalid hostname character: '%s' (allowed: a-z, 0-9, "
                                        "'-' and '.')",
                                        ch);
            g_free(ch);
            return why;
        }
    }
    return NULL;
}

/* Returns NULL when `ip` (host byte order) may be given to a host, else why not. */
static const char* _config_checkIp(uint32_t ip) {
    if (ip == 0) {
        return "0.0.0.0 is the unspecified address";
    }
    if ((ip >> 24) == 127) {
        return "loopback addresses (127.0.0.0/8) are reserved";
    }
    if ((ip >> 28) == 0xe) {
        return "multicast addresses (224.0.0.0/4) are not allowed";
    }
    if (ip == 0xffffffffu) {
        return "255.255.255.255 is the broadcast address";
    }
    return NULL;
}

static int _config_decodeIp(ConfigCtx* ctx, const CNode* node, const char* path, GHashTable* used,
                            const char* host, HostConfig* out) {
    const char* text;
    struct in_addr addr;
    if (config_decodeString(ctx, node, path, &text) != 0) {
        return -EINVAL;
    }
    if (inet_pton(AF_INET, text, &addr) != 1) {
        char* q = config_quote(text);
        config_fail(ctx->error, ctx->file, node, path, "invalid IPv4 address '%s'", q);
        g_free(q);
        return -EINVAL;
    }
    uint32_t ip = ntohl(addr.s_addr);
    const char* why = _config_checkIp(ip);
    if (why != NULL) {
        return config_fail(ctx->error, ctx->file, node, path, "invalid address %s: %s", text, why);
    }
    const char* other = g_hash_table_lookup(used, GUINT_TO_POINTER(ip));
    if (other != NULL) {
        return config_fail(ctx->error, ctx->file, node, path,
                           "address %s is already used by host '%s'", text, other);
    }
    g_hash_table_insert(used, GUINT_TO_POINTER(ip), (gpointer)host);
    out->has_ip_addr = true;
    out->ip_addr = ip;
    return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Processes                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

static int _config_decodeArgs(ConfigCtx* ctx, const CNode* node, const char* path, char*** out) {
    if (node->kind == CNODE_STRING) {
        char* trimmed = g_strstrip(g_strdup(node->text));
        GError* shell_error = NULL;
        int rv = 0;
        if (trimmed[0] == '\0') {
            *out = g_new0(char*, 1);
        } else if (!g_shell_parse_argv(trimmed, NULL, out, &shell_error)) {
            rv = config_fail(ctx->error, ctx->file, node, path, "cannot split arguments: %s",
                             shell_error->message);
            g_error_free(shell_error);
        }
        g_free(trimmed);
        return rv;
    }
    if (node->kind != CNODE_SEQUENCE) {
        return config_fail(ctx->error, ctx->file, node, path,
                           "expected a string or a list of strings (quote numbers)");
    }
    GPtrArray* argv = g_ptr_array_new();
    for (guint i = 0; i < node->items->len; i++) {
        const char* arg;
        char* item_path = g_strdup_printf("%s[%u]", path, i);
        int rv = config_decodeString(ctx, node->items->pdata[i], item_path, &arg);
        g_free(item_path);
        if (rv != 0) {
            g_ptr_array_free(argv, TRUE);
            return rv;
        }
        g_ptr_array_add(argv, g_strdup(arg));
    }
    g_ptr_array_add(argv, NULL);
    *out = (char**)g_ptr_array_free(argv, FALSE);
    return 0;
}

static int _config_compareEnv(const void* a, const void* b) {
    const char* x = *(char* const*)a;
    const char* y = *(char* const*)b;
    size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
    int c = strncmp(x, y, lx < ly ? lx : ly);
    return c != 0 ? c : (lx < ly ? -1 : lx > ly ? 1 : 0);
}

static int _config_decodeEnv(ConfigCtx* ctx, const CNode* node, const char* path, char*** out) {
    if (config_expectMapping(ctx, node, path) != 0) {
        return -EINVAL;
    }
    char** env = g_new0(char*, node->keys->len + 1);
    for (guint i = 0; i < node->keys->len; i++) {
        const CNode* key = node->keys->pdata[i];
        char* item_path = g_strdup_printf("%s.%s", path, key->text);
        const char* name;
        const char* value;
        int rv = config_decodeString(ctx, key, item_path, &name);
        if (rv == 0 && (name[0] == '\0' || strchr(name, '=') != NULL)) {
            rv = config_fail(ctx->error, ctx->file, key, item_path,
                             "environment variable names must be non-empty and contain no '='");
        }
        if (rv == 0) {
            rv = config_decodeString(ctx, node->items->pdata[i], item_path, &value);
        }
        g_free(item_path);
        if (rv != 0) {
            g_strfreev(env);
            return rv;
        }
        env[i] = g_strconcat(name, "=", value, NULL);
    }
    qsort(env, node->keys->len, sizeof(char*), _config_compareEnv);
    *out = env;
    return 0;
}

static int _config_decodeFinalState(ConfigCtx* ctx, const CNode* node, const char* path,
                                    ExpectedFinalState* out) {
    if (node->kind == CNODE_STRING && strcmp(node->text, "running") == 0) {
        *out = (ExpectedFinalState){.kind = FINAL_STATE_RUNNING, .value = 0};
        return 0;
    }
    if (node->kind != CNODE_MAPPING || node->keys->len != 1) {
        return config_fail(ctx->error, ctx->file, node, path,
                           "expected {exited: N}, {signaled: SIGNAL} or running");
    }
    const CNode* key = node->keys->pdata[0];
    const CNode* value = node->items->pdata[0];
    char* item_path = g_strdup_printf("%s.%s", path, key->text);
    int rv;
    if (strcmp(key->text, "exited") == 0) {
        int32_t code;
        rv = config_decodeI32(ctx, value, item_path, &code);
        *out = (ExpectedFinalState){.kind = FINAL_STATE_EXITED, .value = code};
    } else if (strcmp(key->text, "signaled") == 0) {
        int signo;
        rv = config_decodeSignal(ctx, value, item_path, &signo);
        *out = (ExpectedFinalState){.kind = FINAL_STATE_SIGNALED, .value = signo};
    } else {
        static const char* const allowed[] = {"exited", "signaled", NULL};
        rv = config_failUnknownKey(ctx, key, path, allowed);
    }
    g_free(item_path);
    return rv;
}

static int _config_checkProcessTimes(ConfigCtx* ctx, const Config* config, const CNode* entry,
                                     const char* path, const ProcessConfig* proc) {
    char start[64], stop[64], shutdown[64];
    units_formatTime(proc->start_time, start, sizeof(start));
    units_formatTime(config->stop_time, stop, sizeof(stop));
    units_formatTime(proc->shutdown_time, shutdown, sizeof(shutdown));
    const CNode* at = cnode_lookup(entry, "start_time", NULL);
    char* full = g_strdup_printf("%s.start_time", path);
    int rv = 0;
    if (proc->start_time >= config->stop_time) {
        rv = config_fail(ctx->error, ctx->file, at ? at : entry, full,
                         "Process start time '%s' must be earlier than the simulation stop time "
                         "'%s'",
                         start, stop);
    }
    g_free(full);
    at = cnode_lookup(entry, "shutdown_time", NULL);
    full = g_strdup_printf("%s.shutdown_time", path);
    if (rv == 0 && proc->has_shutdown_time && proc->shutdown_time <= proc->start_time) {
        rv = config_fail(ctx->error, ctx->file, at, full,
                         "Process shutdown time '%s' must be later than its start time '%s'",
                         shutdown, start);
    } else if (rv == 0 && proc->has_shutdown_time && proc->shutdown_time >= config->stop_time) {
        rv = config_fail(ctx->error, ctx->file, at, full,
                         "Process shutdown time '%s' must be earlier than the simulation stop "
                         "time '%s'",
                         shutdown, stop);
    }
    g_free(full);
    return rv;
}

static int _config_decodeProcessKey(ConfigCtx* ctx, const CNode* key, const CNode* value,
                                    const char* full, ProcessConfig* proc) {
    const char* k = key->text;
    const char* text;
    if (strcmp(k, "path") == 0) {
        if (config_decodeString(ctx, value, full, &text) != 0) {
            return -EINVAL;
        }
        if (text[0] == '\0') {
            return config_fail(ctx->error, ctx->file, value, full, "must not be empty");
        }
        proc->path = config_expandTilde(text);
        return 0;
    }
    if (strcmp(k, "args") == 0) {
        g_strfreev(proc->args);
        proc->args = NULL;
        return _config_decodeArgs(ctx, value, full, &proc->args);
    }
    if (strcmp(k, "environment") == 0) {
        g_strfreev(proc->env);
        proc->env = NULL;
        return _config_decodeEnv(ctx, value, full, &proc->env);
    }
    if (strcmp(k, "start_time") == 0) {
        return config_decodeTime(ctx, value, full, &proc->start_time);
    }
    if (strcmp(k, "shutdown_time") == 0) {
        proc->has_shutdown_time = value->kind != CNODE_NULL;
        return proc->has_shutdown_time ? config_decodeTime(ctx, value, full, &proc->shutdown_time)
                                       : 0;
    }
    if (strcmp(k, "shutdown_signal") == 0) {
        return config_decodeSignal(ctx, value, full, &proc->shutdown_signal);
    }
    return _config_decodeFinalState(ctx, value, full, &proc->expected_final_state);
}

static int _config_decodeProcess(ConfigCtx* ctx, const Config* config, const CNode* entry,
                                 const char* path, ProcessConfig* proc) {
    static const char* const allowed[] = {"path",
                                          "args",
                                          "environment",
                                          "start_time",
                                          "shutdown_time",
                                          "shutdown_signal",
                                          "expected_final_state",
                                          NULL};
    if (config_expectMapping(ctx, entry, path) != 0) {
        return -EINVAL;
    }
    proc->loc = (ConfigLoc){.file = ctx->file, .line = entry->line, .column = entry->column};
    proc->shutdown_signal = SIGTERM;
    proc->expected_final_state = (ExpectedFinalState){.kind = FINAL_STATE_EXITED, .value = 0};
    proc->args = g_new0(char*, 1);
    proc->env = g_new0(char*, 1);
    for (guint i = 0; i < entry->keys->len; i++) {
        const CNode* key = entry->keys->pdata[i];
        if (!_config_hasKey(allowed, key->text)) {
            return config_failUnknownKey(ctx, key, path, allowed);
        }
        char* full = g_strdup_printf("%s.%s", path, key->text);
        int rv = _config_decodeProcessKey(ctx, key, entry->items->pdata[i], full, proc);
        g_free(full);
        if (rv != 0) {
            return rv;
        }
    }
    if (proc->path == NULL) {
        char* full = g_strdup_printf("%s.path", path);
        config_fail(ctx->error, ctx->file, entry, full, "missing required key");
        g_free(full);
        return -EINVAL;
    }
    return _config_checkProcessTimes(ctx, config, entry, path, proc);
}

/* ---------------------------------------------------------------------------------------------- */
/* Hosts                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static int _config_decodeProcesses(ConfigCtx* ctx, const Config* config, const CNode* node,
                                   const char* path, HostConfig* host) {
    if (node->kind != CNODE_SEQUENCE) {
        return config_fail(ctx->error, ctx->file, node, path, "expected a list of processes");
    }
    host->processes = g_new0(ProcessConfig, node->items->len);
    for (guint i = 0; i < node->items->len; i++) {
        char* item_path = g_strdup_printf("%s[%u]", path, i);
        host->n_processes++; /* counted before filling, so config_free sees partial entries */
        int rv = _config_decodeProcess(ctx, config, node->items->pdata[i], item_path,
                                       &host->processes[i]);
        g_free(item_path);
        if (rv != 0) {
            return rv;
        }
    }
    return 0;
}

static int _config_decodeHostKey(ConfigCtx* ctx, const Config* config, const CNode* key,
                                 const CNode* value, const char* full, GHashTable* used_ips,
                                 HostConfig* host) {
    const char* k = key->text;
    if (strcmp(k, "network_node_id") == 0) {
        host->node_id_loc = (ConfigLoc){ctx->file, value->line, value->column};
        return config_decodeU32(ctx, value, full, &host->network_node_id);
    }
    if (strcmp(k, "processes") == 0) {
        return _config_decodeProcesses(ctx, config, value, full, host);
    }
    if (strcmp(k, "ip_addr") == 0) {
        return value->kind == CNODE_NULL
                   ? 0
                   : _config_decodeIp(ctx, value, full, used_ips, host->name, host);
    }
    if (strcmp(k, "bandwidth_down") == 0 || strcmp(k, "bandwidth_up") == 0) {
        bool down = k[10] == 'd';
        if (value->kind == CNODE_NULL) {
            return 0;
        }
        *(down ? &host->has_bandwidth_down : &host->has_bandwidth_up) = true;
        return config_decodeBandwidth(ctx, value, full,
                                      down ? &host->bandwidth_down : &host->bandwidth_up);
    }
    /* host_options: starts as a copy of host_option_defaults; null values keep the default. */
    return config_decodeSection(ctx, value, CONFIG_SECTION_HOST_OPTIONS, &host->options, full, NULL,
                                true);
}

static int _config_decodeHost(ConfigCtx* ctx, const Config* config, const CNode* key,
                              const CNode* value, GHashTable* used_ips, HostConfig* host) {
    static const char* const allowed[] = {
        "network_node_id", "processes",    "ip_addr", "bandwidth_down",
        "bandwidth_up",    "host_options", NULL};
    static const char* const required[] = {"network_node_id", "processes", NULL};
    char* path = g_strdup_printf("hosts.%s", key->text);
    host->name = g_strdup(key->text);
    host->loc = (ConfigLoc){.file = ctx->file, .line = key->line, .column = key->column};
    host->options = config->host_option_defaults;
    char* why = _config_checkHostname(key->text);
    int rv = 0;
    if (why != NULL) {
        char* q = config_quote(key->text);
        rv = config_fail(ctx->error, ctx->file, key, path, "invalid hostname '%s': %s", q, why);
        g_free(q);
        g_free(why);
    }
    if (rv == 0) {
        rv = config_expectMapping(ctx, value, path);
    }
    for (guint i = 0; rv == 0 && i < value->keys->len; i++) {
        const CNode* k = value->keys->pdata[i];
        if (!_config_hasKey(allowed, k->text)) {
            rv = config_failUnknownKey(ctx, k, path, allowed);
            break;
        }
        char* full = g_strdup_printf("%s.%s", path, k->text);
        rv = _config_decodeHostKey(ctx, config, k, value->items->pdata[i], full, used_ips, host);
        g_free(full);
    }
    for (int i = 0; rv == 0 && required[i] != NULL; i++) {
        if (cnode_lookup(value, required[i], NULL) == NULL) {
            char* full = g_strdup_printf("%s.%s", path, required[i]);
            rv = config_fail(ctx->error, ctx->file, key, full, "missing required key");
            g_free(full);
        }
    }
    g_free(path);
    return rv;
}

static int _config_compareHosts(const void* a, const void* b) {
    return strcmp(((const HostConfig*)a)->name, ((const HostConfig*)b)->name);
}

int config_decodeHosts(ConfigCtx* ctx, Config* config, const CNode* at, const CNode* hosts) {
    if (hosts->kind == CNODE_NULL || (hosts->kind == CNODE_MAPPING && hosts->keys->len == 0)) {
        return config_fail(ctx->error, ctx->file, at, "hosts",
                           "The configuration did not contain any hosts");
    }
    if (config_expectMapping(ctx, hosts, "hosts") != 0) {
        return -EINVAL;
    }
    config->hosts = g_new0(HostConfig, hosts->keys->len);
    GHashTable* used_ips = g_hash_table_new(g_direct_hash, g_direct_equal);
    int rv = 0;
    for (guint i = 0; rv == 0 && i < hosts->keys->len; i++) {
        config->n_hosts++; /* counted before filling, so config_free sees partial entries */
        rv = _config_decodeHost(ctx, config, hosts->keys->pdata[i], hosts->items->pdata[i],
                                used_ips, &config->hosts[i]);
    }
    g_hash_table_destroy(used_ips);
    if (rv == 0) {
        qsort(config->hosts, config->n_hosts, sizeof(HostConfig), _config_compareHosts);
    }
    return rv;
}
