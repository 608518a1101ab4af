/* Invariant checks for the event engine (src/host event/task/queue/host/worker, src/main
 * scheduler). ENGINE_ASSERT is always on (cheap checks stay in release builds, style.md 14);
 * the MAGIC guards (style.md 18) are compiled in only for debug builds (no NDEBUG) or when
 * UMBRA_DEBUG is defined.
 *
 * TODO(lead): replace with the project-wide sim_assert / MAGIC macros once they exist. */
#ifndef SIM_HOST_ENGINE_DEBUG_H_
#define SIM_HOST_ENGINE_DEBUG_H_

#include <stdio.h>
#include <stdlib.h>

#define ENGINE_ASSERT(cond)                                                                        \
    do {                                                                                           \
        if (__builtin_expect(!(cond), 0)) {                                                        \
            fprintf(stderr, "umbra: assertion failed: %s (%s:%d, %s)\n", #cond, __FILE__,         \
                    __LINE__, __func__);                                                           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#if !defined(NDEBUG) || defined(UMBRA_DEBUG)
#define ENGINE_MAGIC_DECLARE uint32_t magic
#define ENGINE_MAGIC_INIT(obj, value) ((obj)->magic = (value))
#define ENGINE_MAGIC_ASSERT(obj, value) ENGINE_ASSERT((obj) != NULL && (obj)->magic == (value))
#define ENGINE_MAGIC_CLEAR(obj) ((obj)->magic = 0)
#else
#define ENGINE_MAGIC_DECLARE uint32_t magic_unused
#define ENGINE_MAGIC_INIT(obj, value) ((void)(obj))
#define ENGINE_MAGIC_ASSERT(obj, value) ((void)(obj))
#define ENGINE_MAGIC_CLEAR(obj) ((void)(obj))
#endif

#endif
