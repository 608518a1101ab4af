/* The Event layout, shared by event.c and eventqueue.c only (the heap compares events in its inner
 * loop and should not pay a call per comparison). Everyone else uses the accessors in event.h. */
#ifndef SIM_HOST_EVENT_INTERNAL_H_
#define SIM_HOST_EVENT_INTERNAL_H_

#include "host/engine_debug.h"
#include "host/event.h"

#define EVENT_MAGIC 0xe7e7e7e7u

struct _Event {
    SimTime time;     /* when the task runs on the destination host */
    EventKind kind;   /* PACKET sorts before LOCAL at equal time */
    HostId src_host;  /* host that created the event (the destination itself for LOCAL) */
    uint64_t src_seq; /* the source host's sequence number for this event */
    HostId dst_host;  /* host whose queue holds the event */
    Task* task;       /* owned reference */
    ENGINE_MAGIC_DECLARE;
};

/* The total order: time, then kind, then source host, then source sequence number. */
static inline int event_compareInline(const Event* a, const Event* b) {
    if (a->time != b->time) {
        return a->time < b->time ? -1 : 1;
    }
    if (a->kind != b->kind) {
        return a->kind < b->kind ? -1 : 1;
    }
    if (a->src_host != b->src_host) {
        return a->src_host < b->src_host ? -1 : 1;
    }
    if (a->src_seq != b->src_seq) {
        return a->src_seq < b->src_seq ? -1 : 1;
    }
    return 0;
}

#endif
