/* Object counters (use_object_counters): allocations and frees of the simulator's objects, written
 * to sim-stats.json at the end of a run; a kind whose counts differ then is a leak (Shadow logs
 * "Memory leak detected", which its tests grep for; so does umbra). Any thread. */
#ifndef SIM_HOST_OBJECT_COUNTER_H_
#define SIM_HOST_OBJECT_COUNTER_H_

#include <stdint.h>

typedef enum {
    OBJECT_PROCESS,
    OBJECT_THREAD,
    OBJECT_EMULATED_FD,
    OBJECT_KIND_COUNT,
} ObjectKind;

void objectcounter_alloc(ObjectKind kind);
void objectcounter_free(ObjectKind kind);
uint64_t objectcounter_getAllocs(ObjectKind kind);
uint64_t objectcounter_getFrees(ObjectKind kind);
/* The kind's name in sim-stats.json. */
const char* objectcounter_name(ObjectKind kind);

#endif
