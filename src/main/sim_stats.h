/* sim-stats.json in the data directory (compat.md 3.1): the syscall totals of all managed
 * processes by name (use_syscall_counters) and the simulator's object allocation and free counts
 * (use_object_counters), which also log "Memory leak detected" when a kind's counts differ. */
#ifndef SIM_MAIN_SIM_STATS_H_
#define SIM_MAIN_SIM_STATS_H_

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The JSON text (caller frees). `syscall_counts`: totals indexed by number (SYSCALL_NUMBER_LIMIT
 * entries), or NULL when counting was off (an empty object); `with_objects`: the object counts. */
gchar* simstats_format(const uint64_t* syscall_counts, bool with_objects);

/* Checks the object counters (a warning per leaking kind) and writes sim-stats.json. */
gboolean simstats_write(const char* data_dir, const uint64_t* syscall_counts, bool with_objects,
                        GError** error);

#endif
