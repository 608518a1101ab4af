/* AF_UNIX sockets (unix.c): native sockets, with each host's names kept to itself.
 *
 * The kernel runs every AF_UNIX socket (socket(), socketpair(), accept()); umbra decides what a
 * call may reach and rewrites the addresses: abstract names get a prefix unique to the run and the
 * host on the way in and lose it on the way out, autobind names come from the host generator, and
 * a pathname is reachable only when a process of the same host bound it in this run. Calls that
 * may wait are made by the shim (IPC_MSG_NATIVE_UNIX), which waits in simulated time. */
#ifndef SIM_HOST_SYSCALL_UNIX_H_
#define SIM_HOST_SYSCALL_UNIX_H_

#include "host/syscall/syscall.h"

/* socket(AF_UNIX, type, protocol): the kernel makes it (and checks the type and protocol). */
SyscallReturn unix_socket(SyscallContext* ctx);

/* A socket call on a native socket (an AF_UNIX one: no other family is made natively), other than
 * getsockopt(SO_PEERCRED), which socket.c answers for every native socket. */
SyscallReturn unix_nativeCall(SyscallContext* ctx);

/* The virtual pid of the host's process whose native pid is `native`, or 0 (SO_PEERCRED and
 * SCM_CREDENTIALS carry native pids). */
pid_t unix_virtualPid(Host* host, pid_t native);

#endif
