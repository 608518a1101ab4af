/* The Shadow configuration (compat.md section 1), parsed from YAML with libyaml, merged with the
 * built-in defaults and the command-line overrides, and checked. A loaded Config is immutable.
 *
 * Every error is a GError in the UMBRA_CONFIG_ERROR domain whose message is one line naming where
 * the problem is and what it is: "<file>:<line>:<column>: <key path>: <what is wrong>", where the
 * key path is e.g. `hosts.server.processes[0].start_time`. For values given on the command line the
 * location is "command line: --stop-time". Checks that need the network graph (node ids exist,
 * every host has a bandwidth) are made by the controller with the locations stored here. */
#ifndef SIM_MAIN_CONFIG_H_
#define SIM_MAIN_CONFIG_H_

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/logger.h"
#include "lib/simtime.h"

#define UMBRA_CONFIG_ERROR (umbra_config_error_quark())
GQuark umbra_config_error_quark(void);

/* Where a value was written: a file position, or a command-line flag (file = "command line",
 * line = column = 0, and `flag` holds e.g. "--stop-time"). */
typedef struct {
    const char* file; /* borrowed from the Config (its `path`, or "command line") */
    int line;         /* 1-based; 0 when unknown */
    int column;       /* 1-based; 0 when unknown */
} ConfigLoc;

typedef enum {
    GRAPH_SPEC_1_GBIT_SWITCH,
    GRAPH_SPEC_GML_INLINE,
    GRAPH_SPEC_GML_FILE,
} GraphSpecType;

typedef struct {
    GraphSpecType type;
    char* inline_text; /* GRAPH_SPEC_GML_INLINE: the GML text */
    char* path;        /* GRAPH_SPEC_GML_FILE: `~/` expanded, otherwise as written (cwd-relative) */
    bool xz;           /* GRAPH_SPEC_GML_FILE: compression: xz */
    ConfigLoc loc;     /* the `network.graph` mapping */
} GraphSpec;

typedef enum { FINAL_STATE_EXITED, FINAL_STATE_SIGNALED, FINAL_STATE_RUNNING } FinalStateKind;

typedef struct {
    FinalStateKind kind;
    int value; /* exit code for EXITED, signal number for SIGNALED, 0 for RUNNING */
} ExpectedFinalState;

typedef struct {
    char* path;       /* as written after `~/` expansion: becomes argv[0] */
    char** args;      /* NULL-terminated argv[1..] (string form split by shell rules) */
    char** env;       /* NULL-terminated "KEY=VALUE" strings, sorted by key */
    SimTime start_time;
    bool has_shutdown_time;
    SimTime shutdown_time;
    int shutdown_signal; /* default SIGTERM */
    ExpectedFinalState expected_final_state;
    ConfigLoc loc; /* the process entry */
} ProcessConfig;

typedef struct {
    bool has_log_level;
    LogLevel log_level;
    bool pcap_enabled;
    uint64_t pcap_capture_size; /* bytes */
} HostOptions;

typedef struct {
    char* name;               /* validated hostname */
    uint32_t network_node_id; /* GML node id; existence checked by the controller */
    bool has_ip_addr;
    uint32_t ip_addr; /* host byte order; validated (unique, not 0/loopback/multicast/broadcast) */
    bool has_bandwidth_down;
    uint64_t bandwidth_down; /* bits per second */
    bool has_bandwidth_up;
    uint64_t bandwidth_up; /* bits per second */
    HostOptions options;   /* host_option_defaults already merged in */
    ProcessConfig* processes;
    size_t n_processes;
    ConfigLoc loc;         /* the host's key in `hosts` */
    ConfigLoc node_id_loc; /* the network_node_id value */
} HostConfig;

typedef enum { QDISC_FIFO, QDISC_ROUND_ROBIN } InterfaceQdisc;
typedef enum { STRACE_OFF, STRACE_STANDARD, STRACE_DETERMINISTIC } StraceLoggingMode;
typedef enum { SCHEDULER_THREAD_PER_CORE, SCHEDULER_THREAD_PER_HOST } SchedulerKind;

typedef struct {
    bool use_sched_fifo;
    bool use_syscall_counters;
    bool use_object_counters;
    bool use_preload_libc;
    bool use_preload_openssl_rng;
    bool use_preload_openssl_crypto;
    bool use_memory_manager;
    bool use_cpu_pinning;
    bool use_worker_spinning;
    bool has_runahead;
    SimTime runahead; /* default 1 ms */
    bool use_dynamic_runahead;
    uint64_t socket_send_buffer; /* bytes */
    bool socket_send_autotune;
    uint64_t socket_recv_buffer; /* bytes */
    bool socket_recv_autotune;
    InterfaceQdisc interface_qdisc;
    StraceLoggingMode strace_logging_mode;
    SimTime max_unapplied_cpu_latency;
    SimTime unblocked_syscall_latency;
    SimTime unblocked_vdso_latency;
    SchedulerKind scheduler;
    bool report_errors_to_stderr;
    bool use_new_tcp;
    bool native_preemption_enabled;
    SimTime native_preemption_native_interval;
    SimTime native_preemption_sim_interval;
} ExperimentalConfig;

typedef struct {
    char* path; /* the config file as named on the command line; "<stdin>" for "-" */

    /* general */
    SimTime stop_time;
    uint32_t seed;
    uint32_t parallelism; /* 0 = number of cores (resolved by the controller) */
    SimTime bootstrap_end_time;
    LogLevel log_level;
    bool has_heartbeat_interval;
    SimTime heartbeat_interval;
    char* data_directory;
    char* template_directory; /* NULL when null */
    bool progress;
    bool model_unblocked_syscall_latency;

    /* network */
    GraphSpec graph;
    bool use_shortest_path;

    HostOptions host_option_defaults;
    ExperimentalConfig experimental;

    HostConfig* hosts; /* sorted by name (byte order): this order gives host ids */
    size_t n_hosts;
} Config;

/* One command-line override of a config key: `key` is the dotted path ("general.stop_time",
 * "experimental.runahead", "host_option_defaults.pcap_enabled", "network.use_shortest_path"),
 * `value` the text given after the flag ("null" forces a nullable option unset), `flag` the flag
 * as typed (for error messages). */
typedef struct {
    const char* key;
    const char* value;
    const char* flag;
} ConfigOverride;

/* Loads `path` ("-" reads standard input), applies `overrides` (in order; later wins), fills in
 * defaults, validates everything that does not need the graph. Returns a new Config (caller frees
 * with config_free) or NULL with `error` set. */
Config* config_load(const char* path, const ConfigOverride* overrides, size_t n_overrides,
                    GError** error);
/* Same, from a string; `name` stands for the file name in messages. */
Config* config_loadString(const char* name, const char* yaml_text, const ConfigOverride* overrides,
                          size_t n_overrides, GError** error);
void config_free(Config* config);

/* The merged config as YAML, the text written to <data_directory>/processed-config.yaml and used
 * by --show-config. Caller frees with g_free. Loading that text again gives an equal Config. */
char* config_toYaml(const Config* config);

#endif
