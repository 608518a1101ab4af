/* clone and clone3 flags (issue 4), called raw: a shared descriptor table (CLONE_FILES) vs a copy,
 * shared cwd and umask (CLONE_FS) vs a copy, unshare(CLONE_FILES | CLONE_FS), CLONE_PARENT (the
 * child is a sibling: its parent is the caller's parent, which alone can wait for it), a custom
 * exit signal (sent on exit, and __WCLONE / __WALL needed to wait), CLONE_PIDFD (readable when
 * the child exits, waitid(P_PIDFD)), CLONE_PARENT_SETTID / CLONE_CHILD_SETTID, a clone3 thread on
 * its own stack whose CLONE_CHILD_CLEARTID word is cleared and futex-woken, a thread created by a
 * thread before its siblings ran, and namespace flags refused to an unprivileged process. */
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* A fork-like clone: no new stack, so the child returns from syscall() on a copy of this one. */
static pid_t raw_clone(unsigned long flags, int* parent_tid, int* child_tid) {
    return (pid_t)syscall(SYS_clone, flags, 0, parent_tid, child_tid, 0);
}

static long raw_clone3(struct clone_args* args) {
    return syscall(SYS_clone3, args, sizeof(*args));
}

static int wait_exit_code(pid_t pid, int options) {
    int status = -1;
    pid_t got = waitpid(pid, &status, options);
    CHECK_EQ_LL(got, pid);
    CHECK(WIFEXITED(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---------------------------------------------------------------------------------------------
 * Descriptor table and filesystem context.
 * --------------------------------------------------------------------------------------------- */

static void test_files(void) {
    for (int shared = 0; shared <= 1; shared++) {
        pid_t pid = raw_clone((shared ? CLONE_FILES : 0) | SIGCHLD, NULL, NULL);
        ASSERT(pid >= 0);
        if (pid == 0) {
            _exit(open("/dev/null", O_RDONLY)); /* the lowest free number, < 256 */
        }
        int fd = wait_exit_code(pid, 0);
        CHECK(fd > 2);
        if (shared) {
            CHECK_EQ_LL(fcntl(fd, F_GETFD), 0); /* the child's open is in our table */
            CHECK(close(fd) == 0);
        } else {
            CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
        }
    }
    /* A child sharing the table that unshares it first: its open stays its own. */
    pid_t pid = raw_clone(CLONE_FILES | CLONE_FS | SIGCHLD, NULL, NULL);
    ASSERT(pid >= 0);
    if (pid == 0) {
        if (syscall(SYS_unshare, CLONE_FILES | CLONE_FS) != 0) {
            _exit(255);
        }
        int fd = open("/dev/null", O_RDONLY);
        if (chdir("/") != 0) {
            _exit(254);
        }
        _exit(fd);
    }
    int fd = wait_exit_code(pid, 0);
    CHECK(fd > 2 && fd < 254);
    CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") != 0);
}

static void test_fs(void) {
    char start[4096], now[4096];
    ASSERT(getcwd(start, sizeof(start)) != NULL);
    mode_t old = umask(022);
    for (int shared = 0; shared <= 1; shared++) {
        pid_t pid = raw_clone((shared ? CLONE_FS : 0) | SIGCHLD, NULL, NULL);
        ASSERT(pid >= 0);
        if (pid == 0) {
            umask(077);
            _exit(chdir("/") == 0 ? 0 : 1);
        }
        CHECK_EQ_LL(wait_exit_code(pid, 0), 0);
        ASSERT(getcwd(now, sizeof(now)) != NULL);
        mode_t mask = umask(022);
        if (shared) {
            CHECK(strcmp(now, "/") == 0);
            CHECK_EQ_LL(mask, 077);
            CHECK(chdir(start) == 0);
        } else {
            CHECK(strcmp(now, start) == 0);
            CHECK_EQ_LL(mask, 022);
        }
    }
    umask(old);
}

/* ---------------------------------------------------------------------------------------------
 * Parents and exit signals.
 * --------------------------------------------------------------------------------------------- */

/* A child A clones B with CLONE_PARENT: B's parent is us, A cannot wait for B, we can. B reports
 * its parent through a pipe; A sends B's pid. */
static void test_clone_parent(void) {
    int p[2];
    ASSERT(pipe(p) == 0);
    pid_t a = fork();
    ASSERT(a >= 0);
    if (a == 0) {
        pid_t b = raw_clone(CLONE_PARENT | SIGCHLD, NULL, NULL);
        if (b == 0) {
            int ppid = (int)getppid();
            _exit(write(p[1], &ppid, sizeof(ppid)) == sizeof(ppid) ? 0 : 1);
        }
        int ok = b > 0;
        int status;
        errno = 0;
        ok = ok && waitpid(b, &status, 0) == -1 && errno == ECHILD;
        ok = ok && waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
        ok = ok && write(p[1], &b, sizeof(b)) == sizeof(b);
        _exit(ok ? 0 : 1);
    }
    close(p[1]);
    CHECK_EQ_LL(wait_exit_code(a, 0), 0);
    int v1 = 0, v2 = 0;
    CHECK_EQ_LL(read(p[0], &v1, sizeof(v1)), sizeof(v1));
    CHECK_EQ_LL(read(p[0], &v2, sizeof(v2)), sizeof(v2));
    close(p[0]);
    /* The pipe holds B's ppid and A's report of B's pid, in either order. */
    pid_t b = v1 == getpid() ? v2 : v1;
    int ppid = v1 == getpid() ? v1 : v2;
    CHECK_EQ_LL(ppid, getpid());
    CHECK(b > 0 && b != a);
    CHECK_EQ_LL(wait_exit_code(b, 0), 0);
}

static volatile sig_atomic_t usr1_count;

static void on_usr1(int sig) {
    (void)sig;
    usr1_count++;
}

/* A child whose exit signal is SIGUSR1: the parent gets SIGUSR1, not SIGCHLD, and such a "clone"
 * child is only waited for with __WCLONE or __WALL. Exit signal 0: no signal at all. */
static void test_exit_signal(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    ASSERT(sigaction(SIGUSR1, &sa, NULL) == 0);
    int go[2];
    ASSERT(pipe(go) == 0);
    pid_t pid = raw_clone(SIGUSR1, NULL, NULL);
    ASSERT(pid >= 0);
    if (pid == 0) {
        char c;
        _exit(read(go[0], &c, 1) == 1 ? 5 : 6);
    }
    int status;
    CHECK_ERRNO(waitpid(pid, &status, WNOHANG), ECHILD); /* not without __WCLONE */
    CHECK_EQ_LL(waitpid(pid, &status, WNOHANG | __WCLONE), 0);
    CHECK(write(go[1], "x", 1) == 1);
    CHECK_EQ_LL(wait_exit_code(pid, __WALL), 5);
    CHECK_EQ_LL(usr1_count, 1);

    pid = raw_clone(0, NULL, NULL);
    ASSERT(pid >= 0);
    if (pid == 0) {
        _exit(9);
    }
    CHECK_EQ_LL(wait_exit_code(pid, __WCLONE), 9);
    CHECK_EQ_LL(usr1_count, 1);
    close(go[0]);
    close(go[1]);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &sa, NULL);
}

static void test_settid(void) {
    int ptid = 0, ctid = 0;
    pid_t pid = raw_clone(CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, &ptid, &ctid);
    ASSERT(pid >= 0);
    if (pid == 0) {
        _exit(ctid == getpid() && ctid != 0 ? 0 : 1); /* our copy of ctid */
    }
    CHECK_EQ_LL(ptid, pid);
    CHECK_EQ_LL(ctid, 0); /* the child wrote its own copy */
    CHECK_EQ_LL(wait_exit_code(pid, 0), 0);

    /* clone3's fields, the same. */
    ptid = ctid = 0;
    struct clone_args ca = {
        .flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID,
        .parent_tid = (uintptr_t)&ptid,
        .child_tid = (uintptr_t)&ctid,
        .exit_signal = SIGCHLD,
    };
    pid = (pid_t)raw_clone3(&ca);
    ASSERT(pid >= 0);
    if (pid == 0) {
        _exit(ctid == getpid() ? 0 : 1);
    }
    CHECK_EQ_LL(ptid, pid);
    CHECK_EQ_LL(wait_exit_code(pid, 0), 0);
}

static void test_pidfd(void) {
    int go[2];
    ASSERT(pipe(go) == 0);
    int pidfd = -1;
    struct clone_args ca = {
        .flags = CLONE_PIDFD,
        .pidfd = (uintptr_t)&pidfd,
        .exit_signal = SIGCHLD,
    };
    pid_t pid = (pid_t)raw_clone3(&ca);
    ASSERT(pid >= 0);
    if (pid == 0) {
        char c;
        _exit(read(go[0], &c, 1) == 1 ? 4 : 6);
    }
    CHECK(pidfd >= 0);
    CHECK_EQ_LL(fcntl(pidfd, F_GETFD), FD_CLOEXEC); /* a pidfd is always close-on-exec */
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
    CHECK_EQ_LL(poll(&pfd, 1, 0), 0); /* still running */
    CHECK(write(go[1], "x", 1) == 1);
    CHECK_EQ_LL(poll(&pfd, 1, 10000), 1);
    CHECK(pfd.revents & POLLIN);
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    CHECK(waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) == 0);
    CHECK_EQ_LL(info.si_pid, pid);
    CHECK_EQ_LL(info.si_code, CLD_EXITED);
    CHECK_EQ_LL(info.si_status, 4);
    CHECK_ERRNO(waitpid(pid, NULL, WNOHANG), ECHILD); /* reaped */
    close(pidfd);
    close(go[0]);
    close(go[1]);

    /* clone's CLONE_PIDFD puts the pidfd where CLONE_PARENT_SETTID would put the tid (so the two
     * do not go together). */
    int fd = -1;
    CHECK_ERRNO(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &fd, NULL, 0),
                EINVAL);
    pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &fd, NULL, 0);
    ASSERT(pid >= 0);
    if (pid == 0) {
        _exit(2);
    }
    CHECK(fd >= 0);
    memset(&info, 0, sizeof(info));
    CHECK(waitid((idtype_t)P_PIDFD, (id_t)fd, &info, WEXITED) == 0);
    CHECK_EQ_LL(info.si_pid, pid);
    CHECK_EQ_LL(info.si_status, 2);
    /* The child is gone: its pidfd names no child any more. */
    CHECK_ERRNO(waitid((idtype_t)P_PIDFD, (id_t)fd, &info, WEXITED | WNOHANG), ECHILD);
    close(fd);
    CHECK_ERRNO(waitid((idtype_t)P_PIDFD, (id_t)fd, &info, WEXITED), EBADF);
    CHECK_ERRNO(waitid((idtype_t)P_PIDFD, 0, &info, WEXITED), EBADF); /* not a pidfd */
}

/* ---------------------------------------------------------------------------------------------
 * Threads.
 * --------------------------------------------------------------------------------------------- */

/* clone3 with a new stack: the child starts at the instruction after the syscall with its stack
 * pointer at the top of the new stack, so it needs code of its own: it calls fn(arg), then
 * exit(0) (the thread only). */
long clone3_run(struct clone_args* args, size_t size, void (*fn)(void*), void* arg);
__asm__(".text\n"
        ".globl clone3_run\n"
        "clone3_run:\n"
        "    push %r12\n" /* callee-saved: kept for our caller, */
        "    push %r13\n"
        "    mov %rdx, %r12\n" /* and copied into the child */
        "    mov %rcx, %r13\n"
        "    mov $435, %eax\n" /* SYS_clone3 */
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    mov %r13, %rdi\n"
        "    call *%r12\n"
        "    mov $60, %eax\n" /* SYS_exit */
        "    xor %edi, %edi\n"
        "    syscall\n"
        "    hlt\n"
        "1:  pop %r13\n"
        "    pop %r12\n"
        "    ret\n");

static long raw_syscall0(long nr) {
    long rv;
    __asm__ volatile("syscall" : "=a"(rv) : "a"(nr) : "rcx", "r11", "memory");
    return rv;
}

static volatile int thread_ran;
static volatile long thread_tid;

/* Runs without glibc: only raw syscalls, no errno. */
static void raw_thread(void* arg) {
    thread_tid = raw_syscall0(SYS_gettid);
    thread_ran = (int)(long)arg;
}

static void test_clone3_thread(void) {
    size_t stack_size = 256 * 1024;
    char* stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                       0);
    ASSERT(stack != MAP_FAILED);
    /* Its own thread pointer: a zeroed static TLS area below a TCB that points to itself (the
     * thread uses no glibc TLS; a preloaded library's initial-exec TLS lands in the zeroed
     * area). */
    size_t tls_size = 64 * 1024;
    char* tls = mmap(NULL, tls_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT(tls != MAP_FAILED);
    void** tcb = (void**)(tls + tls_size - 4096);
    tcb[0] = tcb; /* tcbhead_t.tcb */
    tcb[2] = tcb; /* tcbhead_t.self */
    static volatile int ptid, ctid;
    ctid = -1;
    struct clone_args ca = {
        .flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                 CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
        .parent_tid = (uintptr_t)&ptid,
        .child_tid = (uintptr_t)&ctid,
        .stack = (uintptr_t)stack,
        .stack_size = stack_size,
        .tls = (uintptr_t)tcb,
    };
    long tid = clone3_run(&ca, sizeof(ca), raw_thread, (void*)42L);
    ASSERT(tid > 0);
    CHECK_EQ_LL(ptid, tid);
    /* CLONE_CHILD_CLEARTID: the word is cleared and woken when the thread has gone. */
    int v;
    while ((v = ctid) != 0) {
        long rv = syscall(SYS_futex, &ctid, FUTEX_WAIT, v, NULL, NULL, 0);
        CHECK(rv == 0 || errno == EAGAIN || errno == EINTR);
    }
    CHECK_EQ_LL(thread_ran, 42);
    CHECK_EQ_LL(thread_tid, tid);
    CHECK(tid != getpid());

    /* Without CLONE_SETTLS the thread runs on our thread pointer. umbra keeps each thread's shim
     * state in thread-local storage, which two running threads cannot share, so it refuses such
     * a thread (ENOSYS, with a warning); glibc always gives threads their own. */
    ca.flags &= ~(uint64_t)CLONE_SETTLS;
    ca.tls = 0;
    ctid = -1;
    thread_ran = 0;
    tid = clone3_run(&ca, sizeof(ca), raw_thread, (void*)43L);
    if (running_in_sim()) {
        CHECK_EQ_LL(tid, -ENOSYS);
    } else {
        ASSERT(tid > 0);
        while ((v = ctid) != 0) {
            syscall(SYS_futex, &ctid, FUTEX_WAIT, v, NULL, NULL, 0);
        }
        CHECK_EQ_LL(thread_ran, 43);
        CHECK_EQ_LL(thread_tid, tid);
    }
    munmap(stack, stack_size);
    munmap(tls, tls_size);
}

static volatile int sibling_ran;

static void* leaf(void* arg) {
    return (void*)((long)arg + 1);
}

/* The first thread to run creates a grandchild thread before its sibling has run. */
static void* creator(void* arg) {
    (void)arg;
    pthread_t t;
    void* r = NULL;
    if (pthread_create(&t, NULL, leaf, (void*)10L) != 0 || pthread_join(t, &r) != 0) {
        return NULL;
    }
    return r;
}

static void* sibling(void* arg) {
    sibling_ran = 1;
    return arg;
}

static void test_thread_from_thread(void) {
    pthread_t a, b;
    ASSERT(pthread_create(&a, NULL, creator, NULL) == 0);
    ASSERT(pthread_create(&b, NULL, sibling, (void*)3L) == 0);
    void *ra = NULL, *rb = NULL;
    CHECK(pthread_join(a, &ra) == 0);
    CHECK(pthread_join(b, &rb) == 0);
    CHECK(ra == (void*)11L);
    CHECK(rb == (void*)3L);
    CHECK_EQ_LL(sibling_ran, 1);
}

/* ---------------------------------------------------------------------------------------------
 * Namespaces: refused to an unprivileged process. Tests may run as root natively, so a child
 * gives up its privileges first (setuid to nobody drops every capability); then Linux and umbra
 * agree.
 * --------------------------------------------------------------------------------------------- */

static void test_namespaces(void) {
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        test_failures = 0; /* this child reports its own checks only */
        int ns = open("/proc/self/ns/uts", O_RDONLY);
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
            printf("cannot drop privileges\n");
            _exit(1);
        }
        CHECK_ERRNO(syscall(SYS_unshare, CLONE_NEWNS), EPERM);
        CHECK_ERRNO(syscall(SYS_unshare, CLONE_NEWUTS | CLONE_FILES), EPERM);
        CHECK_ERRNO(raw_clone(CLONE_NEWPID | SIGCHLD, NULL, NULL), EPERM);
        CHECK_ERRNO(raw_clone(CLONE_NEWNET | SIGCHLD, NULL, NULL), EPERM);
        CHECK(ns >= 0);
        CHECK_ERRNO(syscall(SYS_setns, ns, CLONE_NEWUTS), EPERM);
        /* A user namespace needs no privilege where the system allows it (most do); umbra
         * refuses it like a system that does not. */
        long rv = syscall(SYS_unshare, CLONE_NEWUSER);
        if (running_in_sim()) {
            CHECK(rv == -1 && errno == EPERM);
        } else {
            CHECK(rv == 0 || errno == EPERM || errno == ENOSPC || errno == EINVAL);
        }
        _exit(test_failures == 0 ? 0 : 1);
    }
    CHECK_EQ_LL(wait_exit_code(pid, 0), 0);
}

int main(void) {
    test_files();
    test_fs();
    test_clone_parent();
    test_exit_signal();
    test_settid();
    test_pidfd();
    test_clone3_thread();
    test_thread_from_thread();
    test_namespaces();
    test_done();
}
