/* Object counters: see object_counter.h. */
#include "host/object_counter.h"

static uint64_t _objectcounter_allocs[OBJECT_KIND_COUNT];
static uint64_t _objectcounter_frees[OBJECT_KIND_COUNT];

static const char* const _objectcounter_names[OBJECT_KIND_COUNT] = {
    [OBJECT_PROCESS] = "Process",
    [OBJECT_THREAD] = "ManagedThread",
    [OBJECT_EMULATED_FD] = "EmulatedFd",
};

void objectcounter_alloc(ObjectKind kind) {
    __atomic_add_fetch(&_objectcounter_allocs[kind], 1, __ATOMIC_RELAXED);
}

void objectcounter_free(ObjectKind kind) {
    __atomic_add_fetch(&_objectcounter_frees[kind], 1, __ATOMIC_RELAXED);
}

uint64_t objectcounter_getAllocs(ObjectKind kind) {
    return __atomic_load_n(&_objectcounter_allocs[kind], __ATOMIC_RELAXED);
}

uint64_t objectcounter_getFrees(ObjectKind kind) {
    return __atomic_load_n(&_objectcounter_frees[kind], __ATOMIC_RELAXED);
}

const char* objectcounter_name(ObjectKind kind) {
    return _objectcounter_names[kind];
}
