/* Events and their total order. See event.h for the order and the ownership rules. */
#include "host/event.h"

#include <stdlib.h>

#include "host/engine_debug.h"
#include "host/event_internal.h"

Event* event_new(SimTime time, EventKind kind, HostId src_host, uint64_t src_seq, HostId dst_host,
                 Task* task) {
    ENGINE_ASSERT(task != NULL);
    ENGINE_ASSERT(kind == EVENT_KIND_PACKET || kind == EVENT_KIND_LOCAL);
    Event* event = malloc(sizeof(*event));
    ENGINE_ASSERT(event != NULL);
    *event = (Event){
        .time = time,
        .kind = kind,
        .src_host = src_host,
        .src_seq = src_seq,
        .dst_host = dst_host,
        .task = task,
    };
    task_ref(task);
    ENGINE_MAGIC_INIT(event, EVENT_MAGIC);
    return event;
}

void event_free(Event* event) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    task_unref(event->task);
    ENGINE_MAGIC_CLEAR(event);
    free(event);
}

SimTime event_getTime(const Event* event) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    return event->time;
}

EventKind event_getKind(const Event* event) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    return event->kind;
}

HostId event_getSourceHostId(const Event* event) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    return event->src_host;
}

uint64_t event_getSequence(const Event* event) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    return event->src_seq;
}

HostId event_getDestinationHostId(const Event* event) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    return event->dst_host;
}

Task* event_getTask(const Event* event) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    return event->task;
}

void event_setTime(Event* event, SimTime time) {
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    event->time = time;
}

int event_compare(const Event* a, const Event* b) {
    return event_compareInline(a, b);
}
