/* The options table of the configuration (compat.md 1.3-1.6 and 4): every scalar key of `general`,
 * `network`, `host_option_defaults` and `experimental`, with its type, default, command-line flag
 * and help text. This one table drives deserialization and the built-in defaults
 * (config_options.c), the CLI flags and --help (cli.c) and the YAML dump (config_dump.c), so each
 * key is written down exactly once. Defaults are YAML scalar text, decoded like file values. */
#include "main/config_internal.h"

#include <stddef.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------- */
/* The table                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

static const char* const _config_qdiscChoices[] = {"fifo", "round-robin", NULL};
static const char* const _config_straceChoices[] = {"off", "standard", "deterministic", NULL};
static const char* const _config_schedulerChoices[] = {"thread-per-core", "thread-per-host", NULL};

#define GEN(field) offsetof(Config, field)
#define EXP(field) offsetof(ExperimentalConfig, field)
#define HOPT(field) offsetof(HostOptions, field)

/* Shorthands for the common shapes; designated initializers keep the rest zero. */
#define OPT_GENERAL(k, f, s, t, def, off, vn, h)                                                   \
    {                                                                                              \
        .section = CONFIG_SECTION_GENERAL, .key = k, .flag = f, .short_flag = s, .type = t,        \
        .default_text = def, .offset = off, .has_offset = CONFIG_NO_HAS, .value_name = vn,         \
        .help = h                                                                                  \
    }
#define OPT_EXP(k, f, t, def, off, vn, h)                                                          \
    {                                                                                              \
        .section = CONFIG_SECTION_EXPERIMENTAL, .key = k, .flag = f, .type = t, .hidden = true,    \
        .default_text = def, .offset = EXP(off), .has_offset = CONFIG_NO_HAS, .value_name = vn,    \
        .help = h                                                                                  \
    }

const ConfigOption config_options[] = {
    /* general (compat.md 1.3) */
    {.section = CONFIG_SECTION_GENERAL,
     .key = "stop_time",
     .flag = "stop-time",
     .type = CONFIG_OPT_TIME,
     .required = true,
     .offset = GEN(stop_time),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "time",
     .help = "The simulated time at which the simulation ends (required, here or in the file)"},
    OPT_GENERAL("seed", "seed", 0, CONFIG_OPT_U32, "1", GEN(seed), "N",
                "Initialize randomness using this seed"),
    OPT_GENERAL("parallelism", "parallelism", 'p', CONFIG_OPT_U32, "0", GEN(parallelism), "N",
                "How many parallel threads to run the simulation with (0 = number of cores)"),
    OPT_GENERAL("bootstrap_end_time", "bootstrap-end-time", 0, CONFIG_OPT_TIME, "0 sec",
                GEN(bootstrap_end_time), "time",
                "Until this time, bandwidth limits and packet loss are ignored"),
    OPT_GENERAL("log_level", "log-level", 'l', CONFIG_OPT_LOG_LEVEL, "info", GEN(log_level),
                "level", "Log level of output written on stdout (error|warning|info|debug|trace)"),
    {.section = CONFIG_SECTION_GENERAL,
     .key = "heartbeat_interval",
     .flag = "heartbeat-interval",
     .type = CONFIG_OPT_TIME,
     .nullable = true,
     .default_text = "1 sec",
     .offset = GEN(heartbeat_interval),
     .has_offset = GEN(has_heartbeat_interval),
     .value_name = "time",
     .help = "Interval at which to print heartbeat messages (null = never)"},
    OPT_GENERAL("data_directory", "data-directory", 'd', CONFIG_OPT_STRING, "shadow.data",
                GEN(data_directory), "path", "Path to store simulation output"),
    {.section = CONFIG_SECTION_GENERAL,
     .key = "template_directory",
     .flag = "template-directory",
     .short_flag = 'e',
     .type = CONFIG_OPT_STRING,
     .nullable = true,
     .offset = GEN(template_directory),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "path",
     .help = "Path to recursively copy to become the data directory (null = none)"},
    OPT_GENERAL("progress", "progress", 0, CONFIG_OPT_BOOL, "false", GEN(progress), "bool",
                "Show the simulation progress on stderr"),
    OPT_GENERAL("model_unblocked_syscall_latency", "model-unblocked-syscall-latency", 0,
                CONFIG_OPT_BOOL, "false", GEN(model_unblocked_syscall_latency), "bool",
                "Model syscalls and VDSO functions that do not block as taking some time"),
    /* network (compat.md 1.4; `graph` is not a scalar and is handled by config.c) */
    {.section = CONFIG_SECTION_NETWORK,
     .key = "use_shortest_path",
     .flag = "use-shortest-path",
     .type = CONFIG_OPT_BOOL,
     .default_text = "true",
     .offset = GEN(use_shortest_path),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "bool",
     .help = "Route packets along the shortest path rather than the direct edge"},
    /* host_option_defaults (compat.md 1.6) */
    {.section = CONFIG_SECTION_HOST_OPTIONS,
     .key = "log_level",
     .flag = "host-log-level",
     .type = CONFIG_OPT_LOG_LEVEL,
     .nullable = true,
     .offset = HOPT(log_level),
     .has_offset = HOPT(has_log_level),
     .value_name = "level",
     .help = "Default log level of hosts (null = the global log level)"},
    {.section = CONFIG_SECTION_HOST_OPTIONS,
     .key = "pcap_enabled",
     .flag = "pcap-enabled",
     .type = CONFIG_OPT_BOOL,
     .default_text = "false",
     .offset = HOPT(pcap_enabled),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "bool",
     .help = "Write pcap files of each host's network interfaces"},
    {.section = CONFIG_SECTION_HOST_OPTIONS,
     .key = "pcap_capture_size",
     .flag = "pcap-capture-size",
     .type = CONFIG_OPT_BYTES,
     .default_text = "65535 B",
     .max_value = UINT32_MAX,
     .offset = HOPT(pcap_capture_size),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "bytes",
     .help = "How many bytes of each packet to capture"},
    /* experimental (compat.md 1.5): hidden from -h */
    OPT_EXP("use_sched_fifo", "use-sched-fifo", CONFIG_OPT_BOOL, "false", use_sched_fifo, "bool",
            "Use the SCHED_FIFO scheduler (requires CAP_SYS_NICE)"),
    OPT_EXP("use_syscall_counters", "use-syscall-counters", CONFIG_OPT_BOOL, "true",
            use_syscall_counters, "bool", "Count the syscalls made by managed processes"),
    OPT_EXP("use_object_counters", "use-object-counters", CONFIG_OPT_BOOL, "true",
            use_object_counters, "bool", "Count object allocations and deallocations"),
    OPT_EXP("use_preload_libc", "use-preload-libc", CONFIG_OPT_BOOL, "true", use_preload_libc,
            "bool", "Preload the libc syscall wrappers into managed processes"),
    OPT_EXP("use_preload_openssl_rng", "use-preload-openssl-rng", CONFIG_OPT_BOOL, "true",
            use_preload_openssl_rng, "bool", "Preload the deterministic OpenSSL RNG"),
    OPT_EXP("use_preload_openssl_crypto", "use-preload-openssl-crypto", CONFIG_OPT_BOOL, "false",
            use_preload_openssl_crypto, "bool", "Preload no-op OpenSSL crypto (unsafe)"),
    OPT_EXP("use_memory_manager", "use-memory-manager", CONFIG_OPT_BOOL, "false",
            use_memory_manager, "bool", "Map managed memory through shared memory (forbids fork)"),
    OPT_EXP("use_cpu_pinning", "use-cpu-pinning", CONFIG_OPT_BOOL, "true", use_cpu_pinning, "bool",
            "Pin worker threads to CPUs"),
    OPT_EXP("use_worker_spinning", "use-worker-spinning", CONFIG_OPT_BOOL, "true",
            use_worker_spinning, "bool", "Idle workers spin (thread-per-core scheduler only)"),
    {.section = CONFIG_SECTION_EXPERIMENTAL,
     .key = "runahead",
     .flag = "runahead",
     .type = CONFIG_OPT_TIME,
     .nullable = true,
     .hidden = true,
     .default_text = "1 ms",
     .offset = EXP(runahead),
     .has_offset = EXP(has_runahead),
     .value_name = "time",
     .help = "Lower bound on the length of a scheduling round (null = none)"},
    OPT_EXP("use_dynamic_runahead", "use-dynamic-runahead", CONFIG_OPT_BOOL, "false",
            use_dynamic_runahead, "bool", "Base the round length on the smallest used latency"),
    OPT_EXP("socket_send_buffer", "socket-send-buffer", CONFIG_OPT_BYTES, "131072 B",
            socket_send_buffer, "bytes", "Initial size of socket send buffers"),
    OPT_EXP("socket_send_autotune", "socket-send-autotune", CONFIG_OPT_BOOL, "true",
            socket_send_autotune, "bool", "Autotune socket send buffers"),
    OPT_EXP("socket_recv_buffer", "socket-recv-buffer", CONFIG_OPT_BYTES, "174760 B",
            socket_recv_buffer, "bytes", "Initial size of socket receive buffers"),
    OPT_EXP("socket_recv_autotune", "socket-recv-autotune", CONFIG_OPT_BOOL, "true",
            socket_recv_autotune, "bool", "Autotune socket receive buffers"),
    {.section = CONFIG_SECTION_EXPERIMENTAL,
     .key = "interface_qdisc",
     .flag = "interface-qdisc",
     .type = CONFIG_OPT_ENUM,
     .hidden = true,
     .choices = _config_qdiscChoices,
     .default_text = "fifo",
     .offset = EXP(interface_qdisc),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "mode",
     .help = "Queueing discipline of network interfaces"},
    {.section = CONFIG_SECTION_EXPERIMENTAL,
     .key = "strace_logging_mode",
     .flag = "strace-logging-mode",
     .type = CONFIG_OPT_ENUM,
     .hidden = true,
     .choices = _config_straceChoices,
     .default_text = "off",
     .offset = EXP(strace_logging_mode),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "mode",
     .help = "Log the syscalls of each process to <exe>.<pid>.strace"},
    OPT_EXP("max_unapplied_cpu_latency", "max-unapplied-cpu-latency", CONFIG_OPT_TIME, "1 us",
            max_unapplied_cpu_latency, "time", "Modelled CPU latency allowed to accumulate"),
    OPT_EXP("unblocked_syscall_latency", "unblocked-syscall-latency", CONFIG_OPT_TIME, "1 us",
            unblocked_syscall_latency, "time",
            "Simulated latency of a syscall that does not block"),
    OPT_EXP("unblocked_vdso_latency", "unblocked-vdso-latency", CONFIG_OPT_TIME, "10 ns",
            unblocked_vdso_latency, "time", "Simulated latency of a VDSO call"),
    {.section = CONFIG_SECTION_EXPERIMENTAL,
     .key = "scheduler",
     .flag = "scheduler",
     .type = CONFIG_OPT_ENUM,
     .hidden = true,
     .choices = _config_schedulerChoices,
     .default_text = "thread-per-core",
     .offset = EXP(scheduler),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "name",
     .help = "The host scheduler implementation"},
    OPT_EXP("report_errors_to_stderr", "report-errors-to-stderr", CONFIG_OPT_BOOL, "true",
            report_errors_to_stderr, "bool", "Also print error log lines on stderr"),
    OPT_EXP("use_new_tcp", "use-new-tcp", CONFIG_OPT_BOOL, "false", use_new_tcp, "bool",
            "Use the new TCP implementation"),
    OPT_EXP("native_preemption_enabled", "native-preemption-enabled", CONFIG_OPT_BOOL, "false",
            native_preemption_enabled, "bool",
            "Preempt native CPU-bound loops (not deterministic)"),
    {.section = CONFIG_SECTION_EXPERIMENTAL,
     .key = "native_preemption_native_interval",
     .flag = "native-preemption-native-interval",
     .type = CONFIG_OPT_TIME,
     .hidden = true,
     .default_text = "100 ms",
     .min_value = SIMTIME_ONE_MICROSECOND,
     .offset = EXP(native_preemption_native_interval),
     .has_offset = CONFIG_NO_HAS,
     .value_name = "time",
     .help = "Native CPU time before a preemption (at least 1 us)"},
    OPT_EXP("native_preemption_sim_interval", "native-preemption-sim-interval", CONFIG_OPT_TIME,
            "10 ms", native_preemption_sim_interval, "time",
            "Simulated time charged per preemption"),
};
const size_t config_n_options = sizeof(config_options) / sizeof(config_options[0]);

const char* config_sectionName(ConfigSection section) {
    switch (section) {
        case CONFIG_SECTION_GENERAL:
            return "general";
        case CONFIG_SECTION_NETWORK:
            return "network";
        case CONFIG_SECTION_HOST_OPTIONS:
            return "host_option_defaults";
        case CONFIG_SECTION_EXPERIMENTAL:
            return "experimental";
    }
    return "?";
}

const ConfigOption* config_findOption(ConfigSection section, const char* key) {
    for (size_t i = 0; i < config_n_options; i++) {
        if (config_options[i].section == section && strcmp(config_options[i].key, key) == 0) {
            return &config_options[i];
        }
    }
    return NULL;
}

void* config_sectionBase(Config* config, ConfigSection section) {
    switch (section) {
        case CONFIG_SECTION_HOST_OPTIONS:
            return &config->host_option_defaults;
        case CONFIG_SECTION_EXPERIMENTAL:
            return &config->experimental;
        default:
            return config;
    }
}
