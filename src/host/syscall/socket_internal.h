/* What the socket files share (socket.c, socket_tcp.c): addresses, waiting, options. */
#ifndef SIM_HOST_SYSCALL_SOCKET_INTERNAL_H_
#define SIM_HOST_SYSCALL_SOCKET_INTERNAL_H_

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "host/emulated_fd.h"
#include "host/netstack.h"
#include "host/syscall/syscall.h"

#define SOCKET_RMEM_MAX 212992 /* Linux's net.core.rmem_max and wmem_max defaults */
#define SOCKET_MIN_RCVBUF 2304 /* SOCK_MIN_RCVBUF on x86_64 */
#define SOCKET_MIN_SNDBUF 4608 /* SOCK_MIN_SNDBUF on x86_64 */
#define SOCKET_IOV_MAX 1024    /* UIO_MAXIOV */

/* Registers the placeholder pair (A, B) the shim made for a new socket: 0 with *out set, or
 * -errno. */
int socket_adoptPlaceholder(SyscallContext* ctx, int a_fd, int b_fd, EmulatedFd** out);
/* setsockopt(IPPROTO_IPV6, IPV6_V6ONLY) on an AF_INET6 socket: reads the value into *value;
 * 0, or -errno (-EINVAL once the socket is bound). */
int socket_setV6Only(SyscallContext* ctx, bool bound, int* value);
/* Reads a sockaddr for a socket of `family` (AF_INET or AF_INET6 with `v6only`), to bind to or
 * to reach: 0 (*out set), 1 (AF_UNSPEC) or -errno. */
int socket_readAddr(SyscallContext* ctx, int family, bool v6only, bool for_bind, uint64_t addr,
                    int64_t len, NetAddr* out);
/* Writes `a` as a socket of `family` shows it to a sockaddr buffer whose length is at
 * `len_addr`, as Linux's move_addr_to_user. */
int socket_writeAddr(SyscallContext* ctx, int family, uint64_t addr, uint64_t len_addr,
                     NetAddr a);
/* Blocks the call on object `id` with SO_RCVTIMEO/SO_SNDTIMEO `timeout` (0: none): -EAGAIN once
 * it has passed, else 0 with *block set (the call runs again when woken). */
int socket_waitObject(SyscallContext* ctx, uint64_t id, SimTime timeout, SyscallReturn* block);
/* One warning per (level, option) over the run. */
void socket_warnOption(SyscallContext* ctx, const char* call, int level, int name);
/* SO_RCVTIMEO and SO_SNDTIMEO (old and new names): whether (level, name) is one; setting one
 * from setsockopt's arguments (0, -EINVAL, -EFAULT, -EDOM as Linux); its value as a timeval
 * (returns the size). */
bool socket_isTimeoOption(int level, int name);
int socket_setTimeo(SyscallContext* ctx, SimTime* rcvtimeo, SimTime* sndtimeo);
size_t socket_getTimeo(int name, SimTime rcvtimeo, SimTime sndtimeo, struct timeval* tv);
/* getsockopt's answer: `size` bytes of `value`, cut to the caller's length (args[3], args[4]),
 * and the length written back; -EINVAL for a negative length. */
SyscallReturn socket_optionOut(SyscallContext* ctx, const void* value, size_t size);
/* Reads a msghdr's iovec array: its count, or -errno. `*iov` is g_malloc'd. */
int64_t socket_readIov(SyscallContext* ctx, const struct msghdr* msg, struct iovec** iov,
                       uint64_t* total);
/* The interface ioctls (SIOCGIF*), which any socket answers. */
SyscallReturn socket_ifIoctl(SyscallContext* ctx);

/* socket_tcp.c: AF_INET stream sockets. */
SyscallReturn tcpcall_socket(SyscallContext* ctx, int family, int protocol, int a_fd, int b_fd);
/* Every socket call (and the private ioctl and close) on a TCP socket's descriptor. */
SyscallReturn tcpcall_dispatch(SyscallContext* ctx, EmulatedFd* efd);

#endif
