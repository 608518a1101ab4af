/* The shim's startup and its trap path.
 *
 * At load (a constructor), the shim maps its thread's channel (named by UMBRA_IPC_PATH), installs
 * its SIGSYS handler with a restorer inside the allowed range, adds a seccomp filter that refuses
 * the network and the kernel interfaces that would bypass interception (a backstop: it only ever
 * sees syscalls that escaped dispatch), arms Syscall User Dispatch, and says START. From then on
 * every syscall the program makes outside the allowed range raises SIGSYS, which lands in
 * _shim_sigsys and goes to shim_syscall.
 *
 * Decision (docs/design.md): Syscall User Dispatch rather than a seccomp SECCOMP_RET_TRAP filter.
 * Dispatch is reset by execve, so an exec'd image starts clean and its own shim arms it again; a
 * seccomp trap filter survives exec and would kill the new image's loader at its first syscall,
 * forcing every exec to be re-created as a new native process. Both cost the same per trap here. */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2 /* si_code of a dispatch SIGSYS */
#endif
#define SHIM_SA_RESTORER 0x04000000

__thread ShimThread shim_thread __attribute__((tls_model("initial-exec")));
ShimProcess shim_process;

extern char __start_umbra_syscall_text[] __attribute__((visibility("hidden")));
extern char __stop_umbra_syscall_text[] __attribute__((visibility("hidden")));

void shim_log(const char* msg) {
    static const char prefix[] = "umbra-shim: ";
    shim_rawSyscall(SYS_write, 2, (long)prefix, sizeof(prefix) - 1, 0, 0, 0);
    shim_rawSyscall(SYS_write, 2, (long)msg, (long)strlen(msg), 0, 0, 0);
    shim_rawSyscall(SYS_write, 2, (long)"\n", 1, 0, 0, 0);
}

static void _shim_die(const char* msg) {
    shim_log(msg);
    shim_rawSyscall(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}

/* The trap path: a syscall outside the allowed range. */
static void _shim_sigsys(int sig, siginfo_t* info, void* vctx) {
    ucontext_t* uc = vctx;
    if (info->si_code != SYS_USER_DISPATCH) {
        return; /* a SIGSYS sent by someone: nothing to emulate */
    }
    greg_t* g = uc->uc_mcontext.gregs;
    if (info->si_syscall == SYS_rt_sigreturn) {
        /* The program's frame: its ucontext is where the stack pointer is. */
        shim_signalReturn((const ucontext_t*)g[REG_RSP]);
        shim_sigreturnOnStack(g[REG_RSP]); /* does not return */
    }
    long args[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
    ucontext_t* outer = shim_thread.trap_uc; /* handlers can nest */
    shim_thread.trap_uc = uc;
    g[REG_RAX] = shim_syscall(info->si_syscall, args, uc);
    shim_thread.trap_uc = outer;
}

/* The kernel's struct sigaction for rt_sigaction. */
struct shim_kernel_sigaction {
    void (*handler)(int, siginfo_t*, void*);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static int _shim_installSigsys(void) {
    struct shim_kernel_sigaction sa = {
        .handler = _shim_sigsys,
        /* NODEFER: a handler the program runs from inside a syscall may make syscalls itself.
         * Not ONSTACK: the shim needs more stack than a program's alternate stack may have. */
        .flags = SA_SIGINFO | SA_NODEFER | SHIM_SA_RESTORER,
        .restorer = shim_restorer,
        .mask = 0,
    };
    return (int)shim_rawSyscall(SYS_rt_sigaction, SIGSYS, (long)&sa, 0, sizeof(uint64_t), 0, 0);
}

/* The seccomp backstop: network, io_uring, ptrace-like and dispatch-bypassing calls fail with
 * EPERM when they reach the kernel at all. Under dispatch they never do (they trap first); this
 * only matters for code that escaped interception. Installed once per process tree: filters are
 * inherited, so a process already under a filter does not stack another. */
static void _shim_installBackstop(void) {
    if (shim_rawSyscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0, 0) == 2) {
        return;
    }
    /* Only AF_UNIX sockets can be made natively (socket and socketpair), so nothing can be sent
     * to the real network; bind, connect and sends are allowed, as they can only act on AF_UNIX
     * sockets (the shim makes them natively after umbra checked and rewrote the address). */
    static const unsigned denied[] = {
        SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
        SYS_ptrace,         SYS_process_vm_writev,
    };
    enum { N_DENIED = sizeof(denied) / sizeof(denied[0]) };
    struct sock_filter f[4 + 5 + N_DENIED + 2];
    size_t n = 0;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr));
    /* socket and socketpair: AF_UNIX only. */
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socketpair, 0, 2);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, args[0]));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX,
                                          (uint8_t)(N_DENIED + 1), (uint8_t)(N_DENIED + 2));
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr));
    for (size_t i = 0; i < N_DENIED; i++) {
        /* Jump to the EPERM return (the last instruction) on a match. */
        f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, denied[i],
                                            (uint8_t)(N_DENIED - i), 0);
        n++;
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
    shim_rawSyscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
    long rv = shim_rawSyscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                              (long)&prog, 0, 0, 0);
    if (rv != 0) {
        _shim_die("cannot install the seccomp backstop");
    }
}

int shim_armDispatch(void) {
    shim_thread.selector = SYSCALL_DISPATCH_FILTER_BLOCK;
    return (int)shim_rawSyscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
                                (long)__start_umbra_syscall_text,
                                __stop_umbra_syscall_text - __start_umbra_syscall_text,
                                (long)&shim_thread.selector, 0);
}

/* Opens the channel file. A program may have filled its descriptor table up to RLIMIT_NOFILE and
 * then forked (which needs no descriptor in Linux): the soft limit is then raised by one for the
 * open and put back at once, so the program never sees the shim's descriptor. */
static long _shim_openChannel(const char* path) {
    long fd = shim_rawSyscall(SYS_openat, AT_FDCWD, (long)path, O_RDWR | O_CLOEXEC, 0, 0, 0);
    if (fd != -EMFILE) {
        return fd;
    }
    struct rlimit old, raised;
    if (shim_rawSyscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&old, 0, 0) != 0 ||
        old.rlim_cur == RLIM_INFINITY) {
        return fd;
    }
    raised.rlim_cur = old.rlim_cur + 1;
    /* At the hard limit only a process with CAP_SYS_RESOURCE may go past it. */
    raised.rlim_max = old.rlim_max > raised.rlim_cur ? old.rlim_max : raised.rlim_cur;
    if (shim_rawSyscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&raised, 0, 0, 0) != 0) {
        return fd;
    }
    fd = shim_rawSyscall(SYS_openat, AT_FDCWD, (long)path, O_RDWR | O_CLOEXEC, 0, 0, 0);
    shim_rawSyscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&old, 0, 0, 0);
    return fd;
}

int shim_connect(const char* path) {
    long fd = _shim_openChannel(path);
    if (fd < 0) {
        return (int)fd;
    }
    long addr = shim_rawSyscall(SYS_mmap, 0, sizeof(IpcChannel), PROT_READ | PROT_WRITE,
                                MAP_SHARED, fd, 0);
    shim_rawSyscall(SYS_close, fd, 0, 0, 0, 0, 0);
    if (addr < 0 && addr > -4096) {
        return (int)addr;
    }
    IpcChannel* ch = (IpcChannel*)addr;
    if (ch->magic != IPC_CHANNEL_MAGIC || ch->version != UMBRA_PROTOCOL_VERSION) {
        return -EPROTO;
    }
    size_t len = strlen(path);
    if (len >= sizeof(shim_thread.channel_path)) {
        return -ENAMETOOLONG;
    }
    memcpy(shim_thread.channel_path, path, len + 1);
    shim_thread.channel = ch;
    shim_thread.unapplied_latency = 0;
    if (shim_armDispatch() != 0) {
        return -ENOSYS;
    }
    ch->to_sim.type = IPC_MSG_START;
    ch->to_sim.args[0] = shim_rawSyscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
    ch->to_sim.args[1] = shim_rawSyscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
    ipc_give(ch, IPC_TURN_SIM, shim_rawSyscall);
    ipc_wait(ch, IPC_TURN_SHIM, 0, shim_rawSyscall);
    if (ch->to_shim.type != IPC_MSG_RUN) {
        _shim_die("unexpected first message from umbra");
    }
    shim_raise(&ch->to_shim); /* a signal that arrived before the first run */
    return 0;
}

/* Saves what exec must hand on: LD_PRELOAD and the UMBRA_* variables other than the channel. */
static void _shim_saveEnvironment(char** envp) {
    for (char** e = envp; *e != NULL; e++) {
        if (strncmp(*e, "UMBRA_HOSTS_FILE=", 17) == 0 &&
            strlen(*e + 17) < sizeof(shim_process.hosts_file)) {
            strcpy(shim_process.hosts_file, *e + 17);
        }
        if (strncmp(*e, "LD_PRELOAD=", 11) == 0 && strlen(*e) < sizeof(shim_process.preload)) {
            strcpy(shim_process.preload, *e);
        } else if (strncmp(*e, "UMBRA_", 6) == 0 && strncmp(*e, "UMBRA_IPC_PATH=", 15) != 0 &&
                   shim_process.n_umbra_env < 8 &&
                   strlen(*e) < sizeof(shim_process.umbra_env[0])) {
            strcpy(shim_process.umbra_env[shim_process.n_umbra_env++], *e);
        }
    }
}

__attribute__((constructor(101))) static void _shim_init(int argc, char** argv, char** envp) {
    const char* path = NULL;
    for (char** e = envp; *e != NULL; e++) {
        if (strncmp(*e, "UMBRA_IPC_PATH=", 15) == 0) {
            path = *e + 15;
        }
    }
    if (path == NULL) {
        return; /* not started by umbra: stay out of the way */
    }
    _shim_saveEnvironment(envp);
    if (strncmp(path, "/proc/", 6) == 0) {
        shim_process.umbra_pid = strtol(path + 6, NULL, 10);
    }
    if (_shim_installSigsys() != 0) {
        _shim_die("cannot install the SIGSYS handler");
    }
    _shim_installBackstop();
    shim_patchVdso();
    int rv = shim_connect(path);
    if (rv != 0) {
        _shim_die(rv == -ENOSYS ? "Syscall User Dispatch is not available (Linux >= 5.11 needed)"
                                : "cannot connect to umbra");
    }
    /* The 16 random bytes the kernel puts in the auxiliary vector (AT_RANDOM) come from the host
     * generator too, so a program that reads them sees the same bytes on every run. (glibc has
     * already taken its stack guard from them by now; that value never reaches the output.) */
    unsigned char* at_random = (unsigned char*)getauxval(AT_RANDOM);
    if (at_random != NULL) {
        long args[6] = {-1, (long)at_random, 16, 0, 0, 0};
        shim_ipcSyscall(UMBRA_SYSCALL_RANDOM_READ, args);
    }
    /* glibc learned this thread's tid from set_tid_address before the shim ran, and keeps it as
     * the thread's tid (pthread_kill, raise): make it the virtual one. */
    int* tid_addr = NULL;
    if (shim_rawSyscall(SYS_prctl, PR_GET_TID_ADDRESS, (long)&tid_addr, 0, 0, 0, 0) == 0 &&
        tid_addr != NULL && *tid_addr == (int)shim_rawSyscall(SYS_gettid, 0, 0, 0, 0, 0, 0)) {
        *tid_addr = shim_thread.channel->vtid;
    }
}
