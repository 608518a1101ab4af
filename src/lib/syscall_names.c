/* Syscall names by number. The table is built from syscall_names.def, and every number is checked
 * at compile time against the C library's SYS_* constants where those exist, so a wrong entry in
 * the generated list cannot build. */
#include "lib/syscall_names.h"

#include <string.h>
#include <sys/syscall.h>

static const char* const _syscallnames_table[SYSCALL_NUMBER_LIMIT] = {
#define X(nr, name) [nr] = #name,
#include "lib/syscall_names.def"
#undef X
};

/* Compile-time cross-check with <sys/syscall.h>: SYS_name == number wherever libc defines it. */
#include "lib/syscall_names_check.inc"

const char* syscallnames_get(long number) {
    if (number < 0 || number >= SYSCALL_NUMBER_LIMIT) {
        return NULL;
    }
    return _syscallnames_table[number];
}

long syscallnames_lookup(const char* name) {
    for (long nr = 0; nr < SYSCALL_NUMBER_LIMIT; nr++) {
        if (_syscallnames_table[nr] != NULL && strcmp(_syscallnames_table[nr], name) == 0) {
            return nr;
        }
    }
    return -1;
}
