/* sim-stats.json: see sim_stats.h. Keys are written in a fixed order (object kinds in their enum
 * order, syscalls by name), so the file is the same on every run of the same simulation. */
#include "main/sim_stats.h"

#include <stdlib.h>
#include <string.h>

#include "host/object_counter.h"
#include "lib/logger.h"
#include "lib/syscall_names.h"
#include "main/datadir.h"

static int _simstats_byName(const void* a, const void* b) {
    return strcmp(syscallnames_get(*(const long*)a), syscallnames_get(*(const long*)b));
}

static void _simstats_objects(GString* out, const char* key, bool allocs) {
    g_string_append_printf(out, "    \"%s\": {", key);
    for (int k = 0; k < OBJECT_KIND_COUNT; k++) {
        uint64_t n = allocs ? objectcounter_getAllocs((ObjectKind)k)
                            : objectcounter_getFrees((ObjectKind)k);
        g_string_append_printf(out, "%s\n      \"%s\": %llu", k == 0 ? "" : ",",
                               objectcounter_name((ObjectKind)k), (unsigned long long)n);
    }
    g_string_append(out, "\n    }");
}

gchar* simstats_format(const uint64_t* syscall_counts, bool with_objects) {
    GString* out = g_string_new("{\n  \"objects\": {");
    if (with_objects) {
        g_string_append(out, "\n");
        _simstats_objects(out, "alloc_counts", true);
        g_string_append(out, ",\n");
        _simstats_objects(out, "dealloc_counts", false);
        g_string_append(out, "\n  ");
    }
    g_string_append(out, "},\n  \"syscalls\": {");
    long names[SYSCALL_NUMBER_LIMIT];
    size_t n = 0;
    for (long nr = 0; syscall_counts != NULL && nr < SYSCALL_NUMBER_LIMIT; nr++) {
        if (syscall_counts[nr] > 0 && syscallnames_get(nr) != NULL) {
            names[n++] = nr;
        }
    }
    qsort(names, n, sizeof(names[0]), _simstats_byName);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(out, "%s\n    \"%s\": %llu", i == 0 ? "" : ",",
                               syscallnames_get(names[i]),
                               (unsigned long long)syscall_counts[names[i]]);
    }
    g_string_append(out, n > 0 ? "\n  }\n}\n" : "}\n}\n");
    return g_string_free(out, FALSE);
}

gboolean simstats_write(const char* data_dir, const uint64_t* syscall_counts, bool with_objects,
                        GError** error) {
    for (int k = 0; with_objects && k < OBJECT_KIND_COUNT; k++) {
        uint64_t allocs = objectcounter_getAllocs((ObjectKind)k);
        uint64_t frees = objectcounter_getFrees((ObjectKind)k);
        if (allocs != frees) {
            log_warning("Memory leak detected: %llu %s objects allocated, %llu freed",
                        (unsigned long long)allocs, objectcounter_name((ObjectKind)k),
                        (unsigned long long)frees);
        }
    }
    gchar* json = simstats_format(syscall_counts, with_objects);
    gboolean ok = datadir_writeFile(data_dir, "sim-stats.json", json, error);
    g_free(json);
    return ok;
}
