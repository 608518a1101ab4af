/* A host's event queue: a binary min-heap of events in the total order of event.h.
 *
 * Threading: one *owner* (the thread currently running the host, or the scheduler between
 * rounds) pushes local events and pops. Any thread may push a cross-host event with
 * eventqueue_pushRemote at the same time; those land in a mutex-protected inbox that the owner
 * moves into the heap on its next pop/peek. So the owner never locks unless something arrived.
 * Because the heap orders by the total order and never by arrival, the order in which remote
 * pushes raced into the inbox does not matter.
 *
 * Ownership: the queue owns every event pushed into it; pop hands ownership to the caller. */
#ifndef SIM_HOST_EVENTQUEUE_H_
#define SIM_HOST_EVENTQUEUE_H_

#include <stddef.h>

#include "host/event.h"
#include "lib/simtime.h"

typedef struct _EventQueue EventQueue;

EventQueue* eventqueue_new(void);
/* Frees the queue and every event still in it. No concurrent pushes may be in flight. */
void eventqueue_free(EventQueue* queue);

/* Owner only. Takes ownership of `event`. */
void eventqueue_push(EventQueue* queue, Event* event);
/* Any thread. Takes ownership of `event`. */
void eventqueue_pushRemote(EventQueue* queue, Event* event);

/* Owner only. Removes and returns the first event, or NULL when empty. Caller owns the event. */
Event* eventqueue_pop(EventQueue* queue);
/* Owner only. Borrowed pointer to the first event, or NULL when empty. */
const Event* eventqueue_peek(EventQueue* queue);
/* Owner only. Time of the first event, or SIMTIME_INVALID when empty. */
SimTime eventqueue_peekTime(EventQueue* queue);
/* Owner only. Number of events, inbox included. */
size_t eventqueue_getLength(EventQueue* queue);

#endif
