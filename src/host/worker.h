/* The per-thread execution context of host code, and the one seam through which a host reaches
 * another host (architecture.md 11: "deliver event to host H at time T").
 *
 * Threading rules:
 *   - A worker thread runs one host at a time (host_execute). While it does, host code may call
 *     worker_getCurrentHost/Time/Event, which read thread-local state, and
 *     worker_sendRemoteEvent, which is safe from any worker concurrently.
 *   - The host registry is installed once by the scheduler (scheduler_new) before any worker
 *     starts and is read-only afterwards.
 *   - Inside a round every cross-host event is delivered at or after the round's window end, so a
 *     host never receives, during a round, an event it would have to run in that round. That is
 *     what makes the result independent of which worker ran which host and in what order.
 *
 * A later MPI backend replaces _worker_deliverEvent (worker.c) for hosts on other ranks and the
 * scheduler's end-of-round minimum with a collective; nothing else needs to change. */
#ifndef SIM_HOST_WORKER_H_
#define SIM_HOST_WORKER_H_

#include <stdbool.h>
#include <stddef.h>

#include "host/event.h"
#include "host/task.h"
#include "lib/simtime.h"

typedef struct _Host Host;

/* ---- For host code -------------------------------------------------------------------------- */

/* The host being run by this thread, or NULL outside host_execute. Borrowed. */
Host* worker_getCurrentHost(void);
/* Time of the event being run by this thread, or SIMTIME_INVALID outside events. */
SimTime worker_getCurrentTime(void);
/* The event being run by this thread (borrowed; valid until the callback returns), or NULL. */
const Event* worker_getCurrentEvent(void);

/* Sends `task` to host `dst` as a PACKET event (so it runs before local events at the same
 * time), numbered with `src`'s per-source sequence number. It is delivered at
 * max(arrival, end of the current round's window) and dropped if that is >= the destination's
 * stop time. Takes a reference on `task` if queued (the caller keeps its own). `src` must be the
 * host running on this thread (or, outside a round, any host the caller owns). Returns true if
 * queued. */
bool worker_sendRemoteEvent(Host* src, HostId dst, Task* task, SimTime arrival);

/* ---- For host.c and the scheduler only ------------------------------------------------------ */

/* Installs the registry used by worker_sendRemoteEvent: `hosts[id]` is the host with that id
 * (borrowed; must outlive every use). Pass NULL, 0 to remove it. */
void worker_setHostRegistry(Host** hosts, size_t n_hosts);
/* Number of hosts in the registry. */
size_t worker_getHostCount(void);

/* host_execute brackets its work with these: `window_end` is the exclusive end of the round. */
void worker_beginHost(Host* host, SimTime window_end);
void worker_endHost(void);
/* Sets the running event (and thus the current time); NULL between events. */
void worker_setCurrentEvent(const Event* event);

/* Returns the smallest delivery time of the cross-host events this thread queued since the last
 * call (SIMTIME_INVALID if none), and resets it. The scheduler folds it into the round's global
 * minimum next-event time. */
SimTime worker_takeMinDeliveryTime(void);

#endif
