/* The controller: from a checked Config to a finished run.
 *
 * Order matters for "bad input leaves nothing behind": controller_new makes every check that needs
 * the graph before anything is written; only controller_createOutput touches the disk.
 *
 * Host ids are the index in the config's hostname-sorted list. Runahead is the larger of the
 * smallest path latency and experimental.runahead (architecture.md 2). */
#include "main/controller.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host/network.h"
#include "host/process.h"
#include "host/task.h"
#include "lib/logger.h"
#include "lib/rng.h"
#include "lib/syscall_names.h"
#include "lib/units.h"
#include "main/addressing.h"
#include "main/datadir.h"
#include "main/graph.h"
#include "main/launch.h"
#include "main/scheduler.h"
#include "main/sim_stats.h"
#include "main/status.h"

struct _Controller {
    const Config* config;   /* borrowed */
    Graph* graph;           /* owned */
    RoutingTable* routing;  /* owned */
    uint32_t* ips;          /* per host id, host byte order */
    Host** hosts;           /* per host id, owned */
    size_t n_hosts;
    char* hosts_file;       /* generated /etc/hosts content */
    int hosts_memfd;        /* the same content in a memfd, or -1 */
    char* hosts_path;       /* /proc/<umbra pid>/fd/<hosts_memfd>, what /etc/hosts opens, or NULL */
    unsigned parallelism;   /* resolved worker count */
    SimTime runahead;       /* round length lower bound */
    SimTime last_heartbeat; /* simulated time of the last heartbeat */
    Progress* progress;     /* --progress reporter, or NULL */
    Launcher* launcher;     /* the configured processes, checked */
    char* shim_path;        /* libumbra-shim.so */
    char** host_dirs;       /* absolute hosts/<name>/ per host */
    unsigned failed;        /* processes in an unexpected final state */
    bool ran;               /* the simulation ran: sim-stats.json is due */
    uint64_t* syscall_totals; /* per syscall number over all hosts (use_syscall_counters) */
};

static gboolean _controller_fail(GError** error, const ConfigLoc* loc, const char* fmt, ...)
    G_GNUC_PRINTF(3, 4);

static gboolean _controller_fail(GError** error, const ConfigLoc* loc, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    gchar* what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, UMBRA_CONFIG_ERROR, 0, "%s:%d:%d: %s", loc->file, loc->line, loc->column,
                what);
    g_free(what);
    return FALSE;
}

/* Every host's node exists and every host ends up with both bandwidths. */
static gboolean _controller_checkHosts(const Config* config, const Graph* graph, GError** error) {
    for (size_t i = 0; i < config->n_hosts; i++) {
        const HostConfig* h = &config->hosts[i];
        if (!graph_hasNode(graph, h->network_node_id)) {
            return _controller_fail(error, &h->node_id_loc,
                                    "hosts.%s.network_node_id: The network node id %u for host "
                                    "'%s' does not exist",
                                    h->name, h->network_node_id, h->name);
        }
        uint64_t bw;
        if (!h->has_bandwidth_down && !graph_getNodeBandwidthDown(graph, h->network_node_id, &bw)) {
            return _controller_fail(error, &h->loc,
                                    "hosts.%s: no bandwidth_down: neither the host nor its network "
                                    "node %u sets one (host_bandwidth_down)",
                                    h->name, h->network_node_id);
        }
        if (!h->has_bandwidth_up && !graph_getNodeBandwidthUp(graph, h->network_node_id, &bw)) {
            return _controller_fail(error, &h->loc,
                                    "hosts.%s: no bandwidth_up: neither the host nor its network "
                                    "node %u sets one (host_bandwidth_up)",
                                    h->name, h->network_node_id);
        }
    }
    return TRUE;
}

static gboolean _controller_assignAddresses(Controller* c, GError** error) {
    const Config* config = c->config;
    bool* fixed = g_new0(bool, config->n_hosts + 1);
    c->ips = g_new0(uint32_t, config->n_hosts + 1);
    for (size_t i = 0; i < config->n_hosts; i++) {
        fixed[i] = config->hosts[i].has_ip_addr;
        c->ips[i] = config->hosts[i].ip_addr;
    }
    size_t dup = 0;
    int rv = addressing_assign(fixed, c->ips, config->n_hosts, &dup);
    g_free(fixed);
    if (rv == -EEXIST) {
        return _controller_fail(error, &config->hosts[dup].loc,
                                "hosts.%s.ip_addr: address already used by another host",
                                config->hosts[dup].name);
    }
    if (rv != 0) {
        g_set_error(error, UMBRA_CONFIG_ERROR, 0, "%s: ran out of IPv4 addresses for %zu hosts",
                    config->path, config->n_hosts);
        return FALSE;
    }
    const char** names = g_new0(const char*, config->n_hosts + 1);
    for (size_t i = 0; i < config->n_hosts; i++) {
        names[i] = config->hosts[i].name;
    }
    c->hosts_file = addressing_hostsFile(names, c->ips, config->n_hosts);
    g_free(names);
    return TRUE;
}

static void _controller_createHosts(Controller* c) {
    const Config* config = c->config;
    c->n_hosts = config->n_hosts;
    c->hosts = g_new0(Host*, c->n_hosts + 1);
    for (size_t i = 0; i < c->n_hosts; i++) {
        const HostConfig* h = &config->hosts[i];
        uint64_t up = h->bandwidth_up, down = h->bandwidth_down;
        if (!h->has_bandwidth_up) {
            graph_getNodeBandwidthUp(c->graph, h->network_node_id, &up);
        }
        if (!h->has_bandwidth_down) {
            graph_getNodeBandwidthDown(c->graph, h->network_node_id, &down);
        }
        HostParams params = {
            .id = (HostId)i,
            .name = h->name,
            .ip = c->ips[i],
            .node_id = h->network_node_id,
            .bandwidth_up_bits = up,
            .bandwidth_down_bits = down,
            .rng_seed = rng_hostSeed(config->seed, h->name),
            .log_level = h->options.has_log_level ? h->options.log_level : config->log_level,
            .stop_time = config->stop_time,
            .bootstrap_end_time = config->bootstrap_end_time,
            .interface_qdisc = config->experimental.interface_qdisc == QDISC_ROUND_ROBIN
                                   ? NET_QDISC_ROUND_ROBIN
                                   : NET_QDISC_FIFO,
            .processes =
                {
                    .data_dir = c->host_dirs[i],
                    .shim_path = c->shim_path,
                    .model_latency = config->model_unblocked_syscall_latency,
                    .unblocked_syscall_latency = config->experimental.unblocked_syscall_latency,
                    .unblocked_vdso_latency = config->experimental.unblocked_vdso_latency,
                    .max_unapplied_cpu_latency = config->experimental.max_unapplied_cpu_latency,
                    .count_syscalls = config->experimental.use_syscall_counters,
                    .socket_recv_buffer = config->experimental.socket_recv_buffer,
                    .socket_send_buffer = config->experimental.socket_send_buffer,
                    .socket_recv_autotune = config->experimental.socket_recv_autotune,
                    .socket_send_autotune = config->experimental.socket_send_autotune,
                    .hosts_file = c->hosts_path,
                },
            .pcap_enabled = h->options.pcap_enabled,
            .pcap_capture_size = (uint32_t)h->options.pcap_capture_size, /* checked 32-bit */
        };
        c->hosts[i] = host_new(&params);
    }
}

/* /sys/devices/system/cpu/cpu<cpu>/topology/<what> as a number, or -1. */
static long _controller_readTopology(int cpu, const char* what) {
    char path[128];
    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, what);
    long value = -1;
    FILE* f = fopen(path, "re");
    if (f != NULL) {
        if (fscanf(f, "%ld", &value) != 1) {
            value = -1;
        }
        fclose(f);
    }
    return value;
}

unsigned controller_countPhysicalCores(void) {
    cpu_set_t mask;
    if (sched_getaffinity(0, sizeof(mask), &mask) != 0) {
        return 1;
    }
    /* A physical core is a distinct (package, core) pair; SMT siblings share one. */
    GHashTable* cores = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    unsigned logical = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &mask)) {
            continue;
        }
        logical++;
        long package = _controller_readTopology(cpu, "physical_package_id");
        long core = _controller_readTopology(cpu, "core_id");
        gint64* key = g_new(gint64, 1);
        *key = (package < 0 || core < 0) ? -(gint64)cpu - 1 : (package << 32) | core;
        g_hash_table_add(cores, key); /* a repeated key replaces (and frees) the old one */
    }
    unsigned physical = g_hash_table_size(cores);
    g_hash_table_destroy(cores);
    return physical > 0 ? physical : (logical > 0 ? logical : 1);
}

static void _controller_logSummary(Controller* c) {
    const Config* config = c->config;
    char ip[16], up[32], down[32], lat[32];
    for (size_t i = 0; i < c->n_hosts; i++) {
        const HostConfig* h = &config->hosts[i];
        units_formatBandwidth(host_getBandwidthUpBits(c->hosts[i]), up, sizeof(up));
        units_formatBandwidth(host_getBandwidthDownBits(c->hosts[i]), down, sizeof(down));
        log_info("host %zu '%s': address %s, network node %u, bandwidth up %s down %s, "
                 "%zu processes",
                 i, h->name, addressing_format(c->ips[i], ip), h->network_node_id, up, down,
                 h->n_processes);
    }
    /* One line per ordered pair of used nodes, in node order; large graphs get a count only. */
    uint32_t* nodes = g_new0(uint32_t, c->n_hosts + 1);
    size_t n_nodes = 0;
    for (size_t i = 0; i < c->n_hosts; i++) {
        uint32_t node = config->hosts[i].network_node_id;
        gboolean seen = FALSE;
        for (size_t j = 0; j < n_nodes && !seen; j++) {
            seen = nodes[j] == node;
        }
        if (!seen) {
            nodes[n_nodes++] = node;
        }
    }
    for (size_t i = 1; i < n_nodes; i++) { /* insertion sort: small and stable */
        for (size_t j = i; j > 0 && nodes[j - 1] > nodes[j]; j--) {
            uint32_t t = nodes[j];
            nodes[j] = nodes[j - 1];
            nodes[j - 1] = t;
        }
    }
    if (n_nodes * n_nodes <= 100) {
        for (size_t i = 0; i < n_nodes; i++) {
            for (size_t j = 0; j < n_nodes; j++) {
                const PathInfo* p = routing_lookup(c->routing, nodes[i], nodes[j]);
                units_formatTime(p->latency, lat, sizeof(lat));
                log_info("path node %u -> node %u: latency %s, packet loss %g", nodes[i], nodes[j],
                         lat, p->packet_loss);
            }
        }
    } else {
        log_info("%zu paths between %zu used network nodes (log level debug lists them)",
                 n_nodes * n_nodes, n_nodes);
    }
    g_free(nodes);
    units_formatTime(routing_getSmallestLatency(c->routing), lat, sizeof(lat));
    log_info("smallest path latency %s; runahead %llu ns; %u worker threads", lat,
             (unsigned long long)c->runahead, c->parallelism);
}

/* Finds the shim, makes the hosts' directories absolute and checks every configured executable. */
static gboolean _controller_prepareProcesses(Controller* c, GError** error) {
    const Config* config = c->config;
    c->shim_path = launcher_findShim();
    gboolean any = FALSE;
    for (size_t i = 0; i < config->n_hosts; i++) {
        any = any || config->hosts[i].n_processes > 0;
    }
    if (c->shim_path == NULL && any) {
        g_set_error(error, UMBRA_CONFIG_ERROR, 0,
                    "libumbra-shim.so not found next to the umbra binary (set UMBRA_SHIM_PATH)");
        return FALSE;
    }
    gchar* cwd = g_get_current_dir();
    gchar* data = g_canonicalize_filename(config->data_directory, cwd);
    g_free(cwd);
    c->host_dirs = g_new0(char*, config->n_hosts + 1);
    for (size_t i = 0; i < config->n_hosts; i++) {
        c->host_dirs[i] = g_build_filename(data, "hosts", config->hosts[i].name, NULL);
    }
    g_free(data);
    c->launcher = launcher_new(config, c->shim_path ? c->shim_path : "", error);
    return c->launcher != NULL;
}

Controller* controller_new(const Config* config, GError** error) {
    Controller* c = g_new0(Controller, 1);
    c->config = config;
    c->hosts_memfd = -1;
    const ConfigLoc* gl = &config->graph.loc;
    c->graph = graph_load(&config->graph, error);
    if (c->graph == NULL) {
        g_prefix_error(error, "%s:%d:%d: network.graph: ", gl->file, gl->line, gl->column);
        goto fail;
    }
    if (!_controller_checkHosts(config, c->graph, error)) {
        goto fail;
    }
    uint32_t* used = g_new0(uint32_t, config->n_hosts + 1);
    for (size_t i = 0; i < config->n_hosts; i++) {
        used[i] = config->hosts[i].network_node_id;
    }
    c->routing = routing_build(c->graph, used, config->n_hosts, config->use_shortest_path, error);
    g_free(used);
    if (c->routing == NULL) {
        g_prefix_error(error, "%s:%d:%d: network.graph: ", gl->file, gl->line, gl->column);
        goto fail;
    }
    if (!_controller_assignAddresses(c, error)) {
        goto fail;
    }
    c->runahead = routing_getSmallestLatency(c->routing);
    if (config->experimental.has_runahead && config->experimental.runahead > c->runahead) {
        c->runahead = config->experimental.runahead;
    }
    if (!_controller_prepareProcesses(c, error)) {
        goto fail;
    }
    unsigned workers = config->parallelism ? config->parallelism : controller_countPhysicalCores();
    c->parallelism = workers < config->n_hosts ? workers : (unsigned)config->n_hosts;
    /* The hosts file that managed processes open as /etc/hosts (compat.md 7). */
    c->hosts_memfd = addressing_hostsFileToMemfd(c->hosts_file);
    if (c->hosts_memfd < 0) {
        log_warning("could not create the hosts file memfd: %s", g_strerror(-c->hosts_memfd));
    } else {
        c->hosts_path = g_strdup_printf("/proc/%d/fd/%d", (int)getpid(), c->hosts_memfd);
    }
    _controller_createHosts(c);
    return c;
fail:
    controller_free(c);
    return NULL;
}

gboolean controller_createOutput(Controller* c, GError** error) {
    const Config* config = c->config;
    const char** names = g_new0(const char*, config->n_hosts + 1);
    for (size_t i = 0; i < config->n_hosts; i++) {
        names[i] = config->hosts[i].name;
    }
    gboolean ok = datadir_create(config->data_directory, config->template_directory, names,
                                 config->n_hosts, error);
    g_free(names);
    if (ok) {
        char* yaml = config_toYaml(config);
        ok = datadir_writeFile(config->data_directory, "processed-config.yaml", yaml, error);
        g_free(yaml);
    }
    return ok;
}

static void _controller_scheduleProcesses(Controller* c) {
    for (size_t i = 0; i < c->n_hosts; i++) {
        launcher_scheduleHost(c->launcher, c->hosts[i], i);
    }
}

/* At stop_time every process still running is killed and counts as `running`. */
static void _controller_stopProcesses(Controller* c) {
    for (size_t i = 0; i < c->n_hosts; i++) {
        LogContext* ctx = host_getLogContext(c->hosts[i]);
        ctx->now = c->config->stop_time;
        logger_setContext(ctx);
        for (size_t j = 0; j < host_getProcessCount(c->hosts[i]); j++) {
            process_stopAtEnd(host_getProcess(c->hosts[i], j));
        }
        logger_setContext(NULL);
        logger_flushContext(ctx);
    }
}

static void _controller_roundEnded(SimTime round_start, SimTime round_end, void* user) {
    Controller* c = user;
    const Config* config = c->config;
    if (config->has_heartbeat_interval && config->heartbeat_interval > 0 &&
        round_start >= c->last_heartbeat + config->heartbeat_interval) {
        c->last_heartbeat = round_start;
        status_logHeartbeat(round_start);
    }
    if (c->progress != NULL) {
        progress_update(c->progress, round_end, c->failed);
    }
}

/* The routing table behind the host layer's network seam (host/network.h). */
static bool _controller_path(const void* routing, uint32_t src_node, uint32_t dst_node,
                             SimTime* latency, double* loss) {
    const PathInfo* p = routing_lookup(routing, src_node, dst_node);
    if (p == NULL) {
        return false;
    }
    *latency = p->latency;
    *loss = p->packet_loss;
    return true;
}

unsigned controller_run(Controller* c) {
    const Config* config = c->config;
    _controller_logSummary(c);
    log_debug("hosts file:\n%s", c->hosts_file);
    for (size_t i = 0; i < c->n_hosts; i++) {
        host_openCaptures(c->hosts[i]); /* the host directories exist now */
    }
    _controller_scheduleProcesses(c);
    if (config->progress) {
        c->progress = progress_new(config->stop_time, isatty(STDERR_FILENO));
    }
    log_info("Starting simulation: %zu hosts, stop time %llu ns", c->n_hosts,
             (unsigned long long)config->stop_time);
    uint32_t* nodes = g_new0(uint32_t, c->n_hosts + 1);
    for (size_t i = 0; i < c->n_hosts; i++) {
        nodes[i] = host_getNodeId(c->hosts[i]);
    }
    NetworkBackend backend = {.path = _controller_path, .routing = c->routing,
                              .host_ips = c->ips, .host_nodes = nodes, .n_hosts = c->n_hosts};
    network_setBackend(&backend);
    g_free(nodes);
    Scheduler* s = scheduler_new(c->hosts, c->n_hosts, c->parallelism, c->runahead,
                                 config->stop_time);
    scheduler_run(s, _controller_roundEnded, c);
    _controller_stopProcesses(c);
    c->ran = true;
    if (config->experimental.use_syscall_counters) {
        c->syscall_totals = g_new0(uint64_t, SYSCALL_NUMBER_LIMIT);
        for (size_t i = 0; i < c->n_hosts; i++) {
            for (long nr = 0; nr < SYSCALL_NUMBER_LIMIT; nr++) {
                c->syscall_totals[nr] += host_getSyscallCount(c->hosts[i], nr);
            }
        }
    }
    log_info("Finished simulation at simtime %llu ns after %llu rounds and %llu events",
             (unsigned long long)config->stop_time,
             (unsigned long long)scheduler_getRoundCount(s),
             (unsigned long long)scheduler_getEventCount(s));
    scheduler_free(s);
    network_setBackend(NULL);
    c->failed = process_getUnexpectedEndCount();
    if (c->progress != NULL) {
        progress_finish(c->progress, config->stop_time, c->failed);
        c->progress = NULL;
    }
    return c->failed;
}

void controller_free(Controller* c) {
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n_hosts; i++) {
        host_free(c->hosts[i]);
    }
    g_free(c->hosts);
    if (c->ran) {
        /* After the hosts are freed, so that the object counts balance when nothing leaked. */
        GError* error = NULL;
        if (!simstats_write(c->config->data_directory, c->syscall_totals,
                            c->config->experimental.use_object_counters, &error)) {
            log_warning("could not write sim-stats.json: %s", error->message);
            g_error_free(error);
        }
    }
    g_free(c->syscall_totals);
    if (c->hosts_memfd >= 0) {
        close(c->hosts_memfd);
    }
    launcher_free(c->launcher);
    g_free(c->shim_path);
    g_strfreev(c->host_dirs);
    g_free(c->hosts_file);
    g_free(c->hosts_path);
    g_free(c->ips);
    if (c->routing != NULL) {
        routing_free(c->routing);
    }
    if (c->graph != NULL) {
        graph_free(c->graph);
    }
    g_free(c);
}

Host* controller_getHost(Controller* c, size_t index) {
    return index < c->n_hosts ? c->hosts[index] : NULL;
}

size_t controller_getHostCount(const Controller* c) {
    return c->n_hosts;
}

const RoutingTable* controller_getRouting(const Controller* c) {
    return c->routing;
}

SimTime controller_getRunahead(const Controller* c) {
    return c->runahead;
}

unsigned controller_getParallelism(const Controller* c) {
    return c->parallelism;
}

const char* controller_getHostsFile(const Controller* c) {
    return c->hosts_file;
}
