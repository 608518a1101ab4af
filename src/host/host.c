/* Simulated hosts and the execution of their events.
 *
 * Invariants: `now` never decreases; every queued event has time >= now and < stop_time; the
 * sequence counter hands out each number once, shared by local events and the packets this host
 * sends, so (source id, sequence) identifies an event globally. */
#include "host/host.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/engine_debug.h"
#include "host/eventqueue.h"
#include "host/process.h"
#include "host/worker.h"
#include "lib/syscall_names.h"

#define HOST_MAGIC 0x4057a11cu
/* "255.255.255.255" plus the terminator. */
#define HOST_IP_STRING_LEN 16

struct _Host {
    HostId id;                            /* index in hostname order */
    char* name;                           /* owned copy */
    uint32_t ip;                          /* host byte order */
    char ip_string[HOST_IP_STRING_LEN];   /* dotted quad of ip */
    uint32_t node_id;                     /* graph node */
    uint64_t bandwidth_up_bits;           /* bits per second */
    uint64_t bandwidth_down_bits;         /* bits per second */
    uint64_t rng_seed;                    /* seed the generator started from */
    Rng rng;                              /* the host's generator */
    SimTime stop_time;                    /* nothing is queued at or after this */
    SimTime bootstrap_end_time;           /* no bandwidth limit or path loss before this */
    NetQdiscKind interface_qdisc;         /* eth0's send queue discipline */
    SimTime now;                          /* time of the running or last event */
    uint64_t next_sequence;               /* next per-source sequence number */
    uint64_t executed_events;             /* events run so far */
    EventQueue* queue;                    /* owned */
    LogContext log;                       /* owned; borrowed by the logger while running */
    HostProcessOptions proc_options;      /* owned strings */
    int32_t next_virtual_id;              /* next pid/tid to hand out */
    Process** processes;                  /* owned, in virtual pid order */
    size_t n_processes;                   /* entries used in processes */
    size_t processes_cap;                 /* entries allocated */
    EmulatedFdSet* emulated_fds;          /* signalfds, timerfds, sockets (NULL until the first) */
    NetStack* netstack;                   /* owned (NULL until the first socket) */
    uint64_t* syscall_counts;             /* per syscall number (NULL until the first) */
    bool pcap_enabled;                    /* host_openCaptures creates the files */
    bool tearing_down;                    /* host_free has begun: nothing may be scheduled */
    uint32_t pcap_capture_size;           /* their snaplen */
    PcapWriter* pcap_lo;                  /* owned; NULL while pcap is off */
    PcapWriter* pcap_eth0;                /* owned; NULL while pcap is off */
    ENGINE_MAGIC_DECLARE;
};

Host* host_new(const HostParams* params) {
    ENGINE_ASSERT(params != NULL && params->name != NULL);
    Host* host = calloc(1, sizeof(*host));
    ENGINE_ASSERT(host != NULL);
    host->id = params->id;
    host->name = strdup(params->name);
    ENGINE_ASSERT(host->name != NULL);
    host->ip = params->ip;
    snprintf(host->ip_string, sizeof(host->ip_string), "%u.%u.%u.%u", (params->ip >> 24) & 0xff,
             (params->ip >> 16) & 0xff, (params->ip >> 8) & 0xff, params->ip & 0xff);
    host->node_id = params->node_id;
    host->bandwidth_up_bits = params->bandwidth_up_bits;
    host->bandwidth_down_bits = params->bandwidth_down_bits;
    host->rng_seed = params->rng_seed;
    rng_seedFromU64(&host->rng, params->rng_seed);
    host->stop_time = params->stop_time;
    host->bootstrap_end_time = params->bootstrap_end_time;
    host->interface_qdisc = params->interface_qdisc;
    host->proc_options = params->processes;
    host->proc_options.data_dir = params->processes.data_dir ? strdup(params->processes.data_dir)
                                                             : NULL;
    host->proc_options.shim_path = params->processes.shim_path
                                       ? strdup(params->processes.shim_path)
                                       : NULL;
    host->proc_options.hosts_file = params->processes.hosts_file
                                        ? strdup(params->processes.hosts_file)
                                        : NULL;
    host->pcap_enabled = params->pcap_enabled;
    host->pcap_capture_size = params->pcap_capture_size;
    host->next_virtual_id = 1000;
    host->now = 0;
    host->queue = eventqueue_new();
    host->log = (LogContext){
        .host_name = host->name,
        .host_ip = host->ip_string,
        .level = params->log_level,
        .now = SIMTIME_INVALID,
    };
    ENGINE_MAGIC_INIT(host, HOST_MAGIC);
    return host;
}

void host_free(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    host->tearing_down = true;
    eventqueue_free(host->queue);
    for (size_t i = 0; i < host->n_processes; i++) {
        process_free(host->processes[i]);
    }
    free(host->processes);
    emulatedfdset_free(host->emulated_fds); /* sockets unbind from the stack: free it after */
    netstack_free(host->netstack);
    pcapwriter_close(host->pcap_lo);
    pcapwriter_close(host->pcap_eth0);
    free(host->syscall_counts);
    logger_clearContext(&host->log);
    free((char*)host->proc_options.data_dir);
    free((char*)host->proc_options.shim_path);
    free((char*)host->proc_options.hosts_file);
    free(host->name);
    ENGINE_MAGIC_CLEAR(host);
    free(host);
}

/* ---- getters -------------------------------------------------------------------------------- */

bool host_isTearingDown(const Host* host) {
    return host->tearing_down;
}

void host_countSyscall(Host* host, long nr) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    if (nr < 0 || nr >= SYSCALL_NUMBER_LIMIT) {
        return; /* umbra's private calls are not syscalls of the program */
    }
    if (host->syscall_counts == NULL) {
        host->syscall_counts = calloc(SYSCALL_NUMBER_LIMIT, sizeof(uint64_t));
        ENGINE_ASSERT(host->syscall_counts != NULL);
    }
    host->syscall_counts[nr]++;
}

uint64_t host_getSyscallCount(const Host* host, long nr) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->syscall_counts != NULL && nr >= 0 && nr < SYSCALL_NUMBER_LIMIT
               ? host->syscall_counts[nr]
               : 0;
}

EmulatedFdSet* host_getEmulatedFds(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    if (host->emulated_fds == NULL) {
        host->emulated_fds = emulatedfdset_new();
    }
    return host->emulated_fds;
}

static PcapWriter* _host_openCapture(Host* host, const char* file) {
    char* path = g_build_filename(host->proc_options.data_dir, file, NULL);
    PcapWriter* w = pcapwriter_open(path, host->pcap_capture_size);
    if (w == NULL) {
        log_warning("pcap: cannot create %s: %s", path, g_strerror(errno));
    }
    g_free(path);
    return w;
}

void host_openCaptures(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    if (!host->pcap_enabled || host->proc_options.data_dir == NULL || host->pcap_lo != NULL ||
        host->pcap_eth0 != NULL) {
        return;
    }
    host->pcap_lo = _host_openCapture(host, "lo.pcap");
    host->pcap_eth0 = _host_openCapture(host, "eth0.pcap");
}

PcapWriter* host_getCapture(Host* host, bool loopback) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return loopback ? host->pcap_lo : host->pcap_eth0;
}

NetStack* host_getNetStack(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    if (host->netstack == NULL) {
        host->netstack = netstack_new(host);
    }
    return host->netstack;
}

HostId host_getId(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->id;
}

const char* host_getName(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->name;
}

uint32_t host_getIp(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->ip;
}

const char* host_getIpString(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->ip_string;
}

uint32_t host_getNodeId(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->node_id;
}

uint64_t host_getBandwidthUpBits(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->bandwidth_up_bits;
}

uint64_t host_getBandwidthDownBits(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->bandwidth_down_bits;
}

uint64_t host_getRngSeed(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->rng_seed;
}

SimTime host_getStopTime(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->stop_time;
}

SimTime host_getBootstrapEndTime(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->bootstrap_end_time;
}

NetQdiscKind host_getInterfaceQdisc(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->interface_qdisc;
}

Rng* host_getRng(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return &host->rng;
}

SimTime host_getCurrentTime(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->now;
}

SimTime host_getNextEventTime(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return eventqueue_peekTime(host->queue);
}

uint64_t host_getExecutedEventCount(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->executed_events;
}

LogContext* host_getLogContext(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return &host->log;
}

/* ---- events --------------------------------------------------------------------------------- */

void host_execute(Host* host, SimTime window_end) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    LogContext* previous_log = logger_getContext();
    logger_setContext(&host->log);
    worker_beginHost(host, window_end);
    for (;;) {
        SimTime next = eventqueue_peekTime(host->queue);
        if (next == SIMTIME_INVALID || next >= window_end) {
            break;
        }
        Event* event = eventqueue_pop(host->queue);
        ENGINE_ASSERT(next >= host->now);
        host->now = next;
        host->log.now = next;
        worker_setCurrentEvent(event);
        task_execute(event_getTask(event), host);
        worker_setCurrentEvent(NULL);
        host->executed_events++;
        event_free(event);
    }
    worker_endHost();
    host->log.now = SIMTIME_INVALID;
    logger_setContext(previous_log);
}

uint64_t host_takeSequence(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->next_sequence++;
}

void host_pushRemoteEvent(Host* host, Event* event) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    ENGINE_ASSERT(event_getDestinationHostId(event) == host->id);
    eventqueue_pushRemote(host->queue, event);
}

bool host_scheduleTaskAtTime(Host* host, Task* task, SimTime time) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    ENGINE_ASSERT(time >= host->now);
    if (time >= host->stop_time) {
        return false;
    }
    Event* event =
        event_new(time, EVENT_KIND_LOCAL, host->id, host_takeSequence(host), host->id, task);
    eventqueue_push(host->queue, event);
    return true;
}

bool host_scheduleTaskWithDelay(Host* host, Task* task, SimTime delay) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    /* Saturate instead of wrapping: a huge delay simply lands past the stop time. */
    SimTime time = delay > SIMTIME_MAX - host->now ? SIMTIME_MAX : host->now + delay;
    return host_scheduleTaskAtTime(host, task, time);
}

/* ---- managed processes ---------------------------------------------------------------------- */

const HostProcessOptions* host_getProcessOptions(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return &host->proc_options;
}

int32_t host_allocateVirtualId(Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->next_virtual_id++;
}

void host_addProcess(Host* host, Process* process) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    if (host->n_processes == host->processes_cap) {
        host->processes_cap = host->processes_cap ? 2 * host->processes_cap : 8;
        host->processes = realloc(host->processes, host->processes_cap * sizeof(Process*));
        ENGINE_ASSERT(host->processes != NULL);
    }
    /* Virtual pids only grow, so appending keeps the array in pid order. */
    ENGINE_ASSERT(host->n_processes == 0 ||
                  process_getVirtualPid(host->processes[host->n_processes - 1]) <
                      process_getVirtualPid(process));
    host->processes[host->n_processes++] = process;
}

static size_t _host_findProcess(const Host* host, int32_t vpid) {
    size_t lo = 0, hi = host->n_processes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (process_getVirtualPid(host->processes[mid]) < vpid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

Process* host_lookupProcess(Host* host, int32_t vpid) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    size_t i = _host_findProcess(host, vpid);
    if (i < host->n_processes && process_getVirtualPid(host->processes[i]) == vpid) {
        return host->processes[i];
    }
    return NULL;
}

void host_removeProcess(Host* host, int32_t vpid) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    size_t i = _host_findProcess(host, vpid);
    if (i < host->n_processes && process_getVirtualPid(host->processes[i]) == vpid) {
        process_free(host->processes[i]);
        memmove(&host->processes[i], &host->processes[i + 1],
                (host->n_processes - i - 1) * sizeof(Process*));
        host->n_processes--;
    }
}

size_t host_getProcessCount(const Host* host) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return host->n_processes;
}

Process* host_getProcess(Host* host, size_t index) {
    ENGINE_MAGIC_ASSERT(host, HOST_MAGIC);
    return index < host->n_processes ? host->processes[index] : NULL;
}
