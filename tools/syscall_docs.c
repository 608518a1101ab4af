/* Prints docs/syscalls.md from the one coverage table (src/lib/syscall_table.def) and the list of
 * syscall names: every x86-64 syscall number with its class and note. Built by CMake; the test
 * `syscall-docs-current` fails when the committed page differs from this program's output, and
 * the target `syscall-docs` rewrites it. */
#include <stdio.h>
#include <string.h>

#include "lib/syscall_names.h"

typedef struct {
    const char* name;  /* syscall name */
    const char* klass; /* emulated, shim, native */
    const char* note;  /* from the table */
} Entry;

static const Entry entries[] = {
#define EMULATED(name, note) {#name, "emulated", note},
#define SHIM(name, note) {#name, "shim", note},
#define NATIVE(name, note) {#name, "native", note},
#include "lib/syscall_table.def"
#undef EMULATED
#undef SHIM
#undef NATIVE
};

#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static const Entry* lookup(const char* name) {
    for (size_t i = 0; i < N_ENTRIES; i++) {
        if (strcmp(entries[i].name, name) == 0) {
            return &entries[i];
        }
    }
    return NULL;
}

int main(void) {
    int counts[4] = {0};
    const char* names[4] = {"emulated", "shim", "native", "unsupported"};
    for (long nr = 0; nr < SYSCALL_NUMBER_LIMIT; nr++) {
        const char* name = syscallnames_get(nr);
        if (name == NULL) {
            continue;
        }
        const Entry* e = lookup(name);
        const char* klass = e != NULL ? e->klass : "unsupported";
        for (int k = 0; k < 4; k++) {
            counts[k] += strcmp(klass, names[k]) == 0;
        }
    }
    printf("# Syscall support\n\n");
    printf("Generated from `src/lib/syscall_table.def` by `tools/syscall_docs.c` "
           "(`cmake --build build --target syscall-docs`); do not edit by hand.\n\n");
    printf("- **emulated** (%d): the simulator handles the call.\n", counts[0]);
    printf("- **shim** (%d): answered inside the managed process, without a round trip.\n",
           counts[1]);
    printf("- **native** (%d): executed natively by the shim; it cannot change what the "
           "simulation observes.\n",
           counts[2]);
    printf("- **unsupported** (%d): fails with ENOSYS; umbra logs one warning naming the call.\n\n",
           counts[3]);
    printf("| nr | syscall | class | notes |\n|---:|---|---|---|\n");
    for (long nr = 0; nr < SYSCALL_NUMBER_LIMIT; nr++) {
        const char* name = syscallnames_get(nr);
        if (name == NULL) {
            continue;
        }
        const Entry* e = lookup(name);
        printf("| %ld | %s | %s | %s |\n", nr, name, e != NULL ? e->klass : "unsupported",
               e != NULL ? e->note : "");
    }
    return 0;
}
