/* prctl's per-process and per-thread settings (issue 4): PR_SET/GET_DUMPABLE (0 and 1; 2 is
 * EINVAL; inherited by fork, back to 1 after exec), PR_SET/GET_NAME (cut to 15 characters, seen in
 * /proc/self/comm, per thread), PR_SET/GET_PDEATHSIG (per thread, 0 in a forked child and a new
 * thread, checked, fired when the parent *thread* ends), PR_GET_CHILD_SUBREAPER (not inherited), an
 * unknown option (EINVAL), and under umbra PR_SET_SYSCALL_USER_DISPATCH refused. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#endif

/* The first line of a small /proc file, without its newline; "" if it cannot be read. */
static void read_line(const char* path, char* out, size_t size) {
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    if (n <= 0) {
        return;
    }
    out[n] = '\0';
    char* nl = strchr(out, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
}

static pid_t gettid_(void) {
    return (pid_t)syscall(SYS_gettid);
}

struct thread_report {
    char own_name[32];      /* PR_GET_NAME after setting it */
    char thread_comm[32];   /* /proc/thread-self/comm */
    char task_comm[32];     /* /proc/self/task/<tid>/comm */
    int pdeathsig_at_start; /* PR_GET_PDEATHSIG before setting it */
    int pdeathsig_after;    /* after setting SIGUSR2 */
};

static void* thread_main(void* arg) {
    struct thread_report* r = arg;
    r->pdeathsig_at_start = -1;
    prctl(PR_GET_PDEATHSIG, &r->pdeathsig_at_start);
    prctl(PR_SET_PDEATHSIG, SIGUSR2);
    prctl(PR_GET_PDEATHSIG, &r->pdeathsig_after);
    prctl(PR_SET_NAME, "worker-thread");
    prctl(PR_GET_NAME, r->own_name);
    read_line("/proc/thread-self/comm", r->thread_comm, sizeof(r->thread_comm));
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)gettid_());
    read_line(path, r->task_comm, sizeof(r->task_comm));
    return NULL;
}

/* A thread forks a child that asks for SIGTERM when its parent dies, waits until it has, and
 * ends: Linux's parent is that thread, so the child gets SIGTERM although the process goes on. */
static int armed_pipe[2];

static void* forking_thread(void* arg) {
    pid_t* child = arg;
    *child = fork();
    if (*child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (write(armed_pipe[1], "a", 1) != 1) {
            _exit(3);
        }
        alarm(5); /* not killed by then: exit 9 */
        for (;;) {
            pause();
        }
    }
    char c;
    if (*child < 0 || read(armed_pipe[0], &c, 1) != 1) {
        return arg;
    }
    return NULL;
}

static void test_thread_parent(void) {
    ASSERT(pipe(armed_pipe) == 0);
    pid_t child = 0;
    pthread_t t;
    ASSERT(pthread_create(&t, NULL, forking_thread, &child) == 0);
    void* rv = &rv;
    CHECK(pthread_join(t, &rv) == 0 && rv == NULL);
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    close(armed_pipe[0]);
    close(armed_pipe[1]);
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "report-dumpable") == 0) {
        /* Run by exec below: a new image is dumpable again. */
        return prctl(PR_GET_DUMPABLE) == 1 ? 0 : 1;
    }

    /* PR_SET/GET_DUMPABLE: the value is prctl's result. */
    CHECK_EQ_LL(prctl(PR_GET_DUMPABLE), 1);
    CHECK(prctl(PR_SET_DUMPABLE, 0) == 0);
    CHECK_EQ_LL(prctl(PR_GET_DUMPABLE), 0);
    CHECK_ERRNO(prctl(PR_SET_DUMPABLE, 2), EINVAL); /* SUID_DUMP_ROOT is not for prctl */
    CHECK_ERRNO(prctl(PR_SET_DUMPABLE, 3), EINVAL);
    CHECK_EQ_LL(prctl(PR_GET_DUMPABLE), 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        /* Inherited by fork; an exec makes the new image dumpable. */
        if (prctl(PR_GET_DUMPABLE) != 0) {
            _exit(2);
        }
        execl("/proc/self/exe", argv[0], "report-dumpable", (char*)NULL);
        _exit(3);
    }
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ_LL(WEXITSTATUS(status), 0);
    CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
    CHECK_EQ_LL(prctl(PR_GET_DUMPABLE), 1);

    /* PR_SET/GET_NAME: at most 15 characters and the terminating NUL. */
    char name[32];
    memset(name, 'x', sizeof(name));
    CHECK(prctl(PR_SET_NAME, "a-name-longer-than-fifteen") == 0);
    CHECK(prctl(PR_GET_NAME, name) == 0);
    CHECK(strcmp(name, "a-name-longer-t") == 0);
    CHECK_EQ_LL(name[16], 'x'); /* 16 bytes written */
    char comm[32];
    read_line("/proc/self/comm", comm, sizeof(comm));
    CHECK(strcmp(comm, "a-name-longer-t") == 0);
    CHECK(prctl(PR_SET_NAME, "main") == 0);
    read_line("/proc/self/comm", comm, sizeof(comm));
    CHECK(strcmp(comm, "main") == 0);

    /* PR_SET/GET_PDEATHSIG: read back; not inherited by a forked child; checked. */
    int sig = -1;
    CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0);
    CHECK_EQ_LL(sig, 0);
    CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0);
    CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0);
    CHECK_EQ_LL(sig, SIGUSR1);
    CHECK_ERRNO(prctl(PR_SET_PDEATHSIG, 65), EINVAL);
    CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0);
    CHECK_EQ_LL(sig, SIGUSR1);
    child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        int s = -1;
        _exit(prctl(PR_GET_PDEATHSIG, &s) == 0 && s == 0 ? 0 : 1);
    }
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A thread: its own name (the process's main thread keeps "main") and its own parent-death
     * signal, 0 at its start. */
    struct thread_report r;
    memset(&r, 0, sizeof(r));
    pthread_t t;
    ASSERT(pthread_create(&t, NULL, thread_main, &r) == 0);
    ASSERT(pthread_join(t, NULL) == 0);
    CHECK(strcmp(r.own_name, "worker-thread") == 0);
    CHECK(strcmp(r.thread_comm, "worker-thread") == 0);
    if (running_in_sim()) {
        /* /proc is the kernel's, not virtualised: there is no task directory named after the
         * thread's virtual tid (gettid), so the read fails. */
        CHECK(strcmp(r.task_comm, "") == 0);
    } else {
        CHECK(strcmp(r.task_comm, "worker-thread") == 0);
    }
    CHECK_EQ_LL(r.pdeathsig_at_start, 0);
    CHECK_EQ_LL(r.pdeathsig_after, SIGUSR2);
    read_line("/proc/self/comm", comm, sizeof(comm));
    CHECK(strcmp(comm, "main") == 0);
    CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0);
    CHECK_EQ_LL(sig, SIGUSR1); /* the thread's setting was its own */
    CHECK(prctl(PR_SET_PDEATHSIG, 0) == 0);
    CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0);
    CHECK_EQ_LL(sig, 0);

    test_thread_parent();

    /* PR_GET_CHILD_SUBREAPER: off by default, and a forked child does not inherit it. */
    int on = -1;
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &on) == 0);
    CHECK_EQ_LL(on, 0);
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &on) == 0);
    CHECK_EQ_LL(on, 1);
    child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        int c = -1;
        _exit(prctl(PR_GET_CHILD_SUBREAPER, &c) == 0 && c == 0 ? 0 : 1);
    }
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);

    /* An option Linux does not know. */
    CHECK_ERRNO(prctl(12345, 0, 0, 0, 0), EINVAL);

    /* Strict seccomp: only read, write, exit and sigreturn are left. */
    child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        long rv = prctl(PR_SET_SECCOMP, 1 /* SECCOMP_MODE_STRICT */);
        int e = errno;
        syscall(SYS_exit, rv == 0 ? 0 : (e == EINVAL ? 10 : 11));
    }
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    if (running_in_sim()) {
        /* Refused (EINVAL, with a warning): the shim itself needs more syscalls than strict mode
         * leaves, and a filter would judge the shim's syscalls too. */
        CHECK_EQ_LL(WEXITSTATUS(status), 10);
    } else {
        CHECK_EQ_LL(WEXITSTATUS(status), 0);
    }

    if (running_in_sim()) {
        /* umbra intercepts syscalls with Syscall User Dispatch and refuses to let the program
         * turn it off (the program would then escape the simulation). */
        CHECK_ERRNO(prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0), EINVAL);
    } else {
        CHECK(prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0) == 0);
    }
    test_done();
    return 0;
}
