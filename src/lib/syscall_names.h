/* Names of x86-64 syscalls, from the generated list src/lib/syscall_names.def (X(number, name)).
 * Plain C, no glib: the shim uses it too. */
#ifndef SIM_LIB_SYSCALL_NAMES_H_
#define SIM_LIB_SYSCALL_NAMES_H_

/* One past the highest syscall number umbra knows. */
#define SYSCALL_NUMBER_LIMIT 512

/* "read" for 0; NULL for a number that is not a syscall. */
const char* syscallnames_get(long number);

/* The number of `name`, or -1. */
long syscallnames_lookup(const char* name);

#endif
