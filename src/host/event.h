/* An Event is one task to run on one host at one simulated time. Events are totally ordered by
 * (time, kind with PACKET before LOCAL, source host id, per-source sequence number), which never
 * depends on memory addresses, so every queue pops in the same order on every run and at every
 * worker count (architecture.md 2). Two events in one queue never compare equal: a source host
 * hands out each sequence number once.
 *
 * Ownership: an event owns one reference on its task. It has a single owner at a time (whoever
 * created it, then the destination queue, then the host running it), so it is not refcounted. */
#ifndef SIM_HOST_EVENT_H_
#define SIM_HOST_EVENT_H_

#include <stdint.h>

#include "host/task.h"
#include "lib/simtime.h"

/* Hosts are numbered 0..n-1 in hostname order. */
typedef uint32_t HostId;

typedef enum {
    EVENT_KIND_PACKET = 0, /* arrived from the network (or from another host); runs first */
    EVENT_KIND_LOCAL = 1,  /* a timer or other host-local task */
} EventKind;

typedef struct _Event Event;

/* New event; takes a reference on `task`. Caller owns the event (event_free or hand it to a
 * queue). */
Event* event_new(SimTime time, EventKind kind, HostId src_host, uint64_t src_seq, HostId dst_host,
                 Task* task);
/* Drops the task reference and frees the event. */
void event_free(Event* event);

SimTime event_getTime(const Event* event);
EventKind event_getKind(const Event* event);
HostId event_getSourceHostId(const Event* event);
uint64_t event_getSequence(const Event* event);
HostId event_getDestinationHostId(const Event* event);
/* Borrowed. */
Task* event_getTask(const Event* event);

/* Moves the event later (used when clamping a cross-host event to the window end). */
void event_setTime(Event* event, SimTime time);

/* <0, 0, >0 as a sorts before, equal to, or after b in the total order. */
int event_compare(const Event* a, const Event* b);

#endif
