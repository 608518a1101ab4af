/* A simulated host: identity (id, name, IP, network node, bandwidth), its event queue and clock,
 * its random generator and its log context.
 *
 * Threading: a host is run by one worker at a time (host_execute). Everything here except
 * host_pushRemoteEvent and the const getters must only be called by the thread running the host,
 * or by the scheduler's thread while no round is running (setup, between rounds). Host code
 * reaches other hosts only through worker_sendRemoteEvent.
 *
 * Ownership: host_new copies the strings in HostParams; the host owns its queue, its events and
 * its log buffer. Hosts are not refcounted: the controller owns them and frees them after the
 * scheduler is done. */
#ifndef SIM_HOST_HOST_H_
#define SIM_HOST_HOST_H_

#include <stdbool.h>
#include <stdint.h>

#include "host/emulated_fd.h"
#include "host/event.h"
#include "host/netqueue.h"
#include "host/netstack.h"
#include "host/pcap.h"
#include "host/task.h"
#include "lib/logger.h"
#include "lib/rng.h"
#include "lib/simtime.h"

typedef struct _Host Host;
typedef struct _Process Process;

/* How managed processes on a host are run (copied from the config by the controller). */
typedef struct {
    const char* data_dir;             /* absolute path of hosts/<name>/: processes' cwd (copied) */
    const char* shim_path;            /* absolute path of libumbra-shim.so (copied) */
    bool model_latency;               /* model_unblocked_syscall_latency */
    SimTime unblocked_syscall_latency; /* charged per non-blocking syscall */
    SimTime unblocked_vdso_latency;    /* charged per time call */
    SimTime max_unapplied_cpu_latency; /* owed latency before time must move */
    bool count_syscalls;               /* use_syscall_counters: per-name totals in sim-stats.json */
    uint64_t socket_recv_buffer;       /* initial SO_RCVBUF of sockets, bytes */
    uint64_t socket_send_buffer;       /* initial SO_SNDBUF of sockets, bytes */
    bool socket_recv_autotune;         /* TCP receive-buffer autotuning */
    bool socket_send_autotune;         /* TCP send-buffer autotuning */
    const char* hosts_file;           /* path managed processes open for /etc/hosts (copied), or NULL */
} HostProcessOptions;

typedef struct {
    HostId id;                    /* index in hostname order */
    const char* name;             /* host name (copied) */
    uint32_t ip;                  /* IPv4 address, host byte order */
    uint32_t node_id;             /* network graph node the host is attached to */
    uint64_t bandwidth_up_bits;   /* upstream bandwidth, bits per second */
    uint64_t bandwidth_down_bits; /* downstream bandwidth, bits per second */
    uint64_t rng_seed;            /* from rng_hostSeed(general.seed, name) */
    LogLevel log_level;           /* effective log level while this host runs */
    SimTime stop_time;            /* events at or after this time are never queued */
    SimTime bootstrap_end_time;   /* no bandwidth limit and no path loss before this */
    NetQdiscKind interface_qdisc; /* eth0's send queue discipline */
    HostProcessOptions processes; /* how managed processes run */
    bool pcap_enabled;            /* capture into lo.pcap and eth0.pcap (host_openCaptures) */
    uint32_t pcap_capture_size;   /* their snaplen, bytes */
} HostParams;

/* New host; copies the strings. Caller frees with host_free. */
Host* host_new(const HostParams* params);
/* Frees the host, its pending events (dropping their task references) and its log buffer. */
void host_free(Host* host);

HostId host_getId(const Host* host);
/* Borrowed, lives as long as the host. */
const char* host_getName(const Host* host);
uint32_t host_getIp(const Host* host);
/* Dotted quad, borrowed. */
const char* host_getIpString(const Host* host);
uint32_t host_getNodeId(const Host* host);
uint64_t host_getBandwidthUpBits(const Host* host);
uint64_t host_getBandwidthDownBits(const Host* host);
uint64_t host_getRngSeed(const Host* host);
SimTime host_getStopTime(const Host* host);
SimTime host_getBootstrapEndTime(const Host* host);
NetQdiscKind host_getInterfaceQdisc(const Host* host);

/* The host's generator (borrowed); only the host's own events may touch it. */
Rng* host_getRng(Host* host);

/* Time of the running event, or of the last event run (0 before the first). */
SimTime host_getCurrentTime(const Host* host);
/* Time of the host's next event, or SIMTIME_INVALID when its queue is empty. */
SimTime host_getNextEventTime(Host* host);
/* Number of events this host has run. */
uint64_t host_getExecutedEventCount(const Host* host);

/* Runs every queued event with time < window_end in the total order, including events those
 * events schedule inside the window. Makes the host current for worker_* and for the logger
 * (logger_setContext) while it runs, and updates the log context's time per event. */
void host_execute(Host* host, SimTime window_end);

/* Schedule a local task `delay` after the current time (host_getCurrentTime), or at absolute
 * `time` (which must not be earlier than the current time). Takes a reference on `task`; the
 * event is dropped silently if its time is >= the stop time. Returns true if queued. */
bool host_scheduleTaskWithDelay(Host* host, Task* task, SimTime delay);
bool host_scheduleTaskAtTime(Host* host, Task* task, SimTime time);

/* The host's log context (borrowed). The scheduler flushes it between rounds. */
LogContext* host_getLogContext(Host* host);

/* ---- Managed processes --------------------------------------------------------------------- */

const HostProcessOptions* host_getProcessOptions(const Host* host);
/* Syscall counters (use_syscall_counters): one more call of number `nr`; the count so far. */
void host_countSyscall(Host* host, long nr);
uint64_t host_getSyscallCount(const Host* host, long nr);
/* The next virtual pid/tid of this host: 1000, 1001, ... (pids and tids share the counter). */
int32_t host_allocateVirtualId(Host* host);
/* Adds a process (the host takes ownership; freed by host_free or host_removeProcess). */
void host_addProcess(Host* host, Process* process);
/* The process with virtual pid `vpid`, or NULL. Borrowed. */
Process* host_lookupProcess(Host* host, int32_t vpid);
/* The host's emulated descriptors (signalfd, timerfd): see emulated_fd.h. */
EmulatedFdSet* host_getEmulatedFds(Host* host);
/* The host's network stack (borrowed): see netstack.h. */
NetStack* host_getNetStack(Host* host);
/* host_free has begun: objects being freed must not schedule events or send packets. */
bool host_isTearingDown(const Host* host);
/* With pcap_enabled, creates lo.pcap and eth0.pcap in the host's data directory (call once,
 * after the directory exists, before the run); a failure is logged and that capture is off. */
void host_openCaptures(Host* host);
/* The capture file of `lo` (loopback true) or `eth0`, or NULL when pcap is off (borrowed; see
 * pcap.h). Flushed and closed by host_free. */
PcapWriter* host_getCapture(Host* host, bool loopback);
/* Removes and frees a process. */
void host_removeProcess(Host* host, int32_t vpid);
/* Number of processes; `host_getProcess(host, i)` in virtual pid order (borrowed). */
size_t host_getProcessCount(const Host* host);
Process* host_getProcess(Host* host, size_t index);

/* ---- For worker.c only ---------------------------------------------------------------------- */

/* Returns the next per-source sequence number and advances it. Owner only. */
uint64_t host_takeSequence(Host* host);
/* Queues an event built by another host (the delivery seam). Any thread; takes ownership. */
void host_pushRemoteEvent(Host* host, Event* event);

#endif
