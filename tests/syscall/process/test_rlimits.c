/* Resource limits and usage (issue 4): getrlimit/setrlimit/prlimit64 on the caller (pid 0 and its
 * own pid) and on another process (a child's limit set by its parent, the parent's read by the
 * child), EINVAL for soft > hard and bad resources, ESRCH for a pid that is gone, raising a
 * lowered hard limit (EPERM exactly when CAP_SYS_RESOURCE is missing: checked with and without
 * it), limits inherited across fork and exec; getrusage for RUSAGE_SELF, RUSAGE_THREAD and
 * RUSAGE_CHILDREN (zero until a child is reaped, then its CPU time and peak memory, grandchildren
 * reaped by the child included, kept across exec), wait4's and waitid's rusage, EINVAL for a bad
 * `who`; times (own and children's CPU time, elapsed ticks). */
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

#define MB (1024L * 1024L)

static long long tv_us(struct timeval tv) {
    return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

static long long cpu_us(const struct rusage* ru) {
    return tv_us(ru->ru_utime) + tv_us(ru->ru_stime);
}

/* Burns at least `ms` of CPU time (user and system together). */
static void burn_cpu(long ms) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long long until = cpu_us(&ru) + ms * 1000LL;
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++) {
            x += (unsigned long)i * 2654435761UL;
        }
        getrusage(RUSAGE_SELF, &ru);
    } while (cpu_us(&ru) < until);
}

/* Makes `bytes` of memory resident. */
static void touch_memory(long bytes) {
    char* p = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT(p != MAP_FAILED);
    madvise(p, (size_t)bytes, MADV_NOHUGEPAGE); /* a fault per 4 KiB page, whatever THP says */
    for (long i = 0; i < bytes; i += 4096) {
        p[i] = (char)i;
    }
    munmap(p, (size_t)bytes);
}

static pid_t new_child(void) {
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        test_failures = 0; /* a child counts its own failures */
    }
    return pid;
}

static void child_done(void) {
    _exit(test_failures > 0 ? 1 : 0);
}

static void expect_clean_exit(pid_t pid) {
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static bool has_cap_sys_resource(void) {
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    ASSERT(syscall(SYS_capget, &hdr, data) == 0);
    return (data[CAP_SYS_RESOURCE / 32].effective >> (CAP_SYS_RESOURCE % 32)) & 1;
}

static void drop_cap_sys_resource(void) {
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    ASSERT(syscall(SYS_capget, &hdr, data) == 0);
    data[CAP_SYS_RESOURCE / 32].effective &= ~(1U << (CAP_SYS_RESOURCE % 32));
    ASSERT(syscall(SYS_capset, &hdr, data) == 0);
    ASSERT(!has_cap_sys_resource());
}

/* ---------------------------------------------------------------------------------------------- */

static void test_usage_before_children(void) {
    /* No child was ever reaped: nothing to report. */
    struct rusage ru;
    memset(&ru, 0xff, sizeof(ru));
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0);
    CHECK_EQ_LL(cpu_us(&ru), 0);
    CHECK_EQ_LL(ru.ru_maxrss, 0);
    CHECK_EQ_LL(ru.ru_minflt, 0);

    /* RUSAGE_SELF and RUSAGE_THREAD see this process's own CPU time and memory. */
    burn_cpu(30);
    touch_memory(8 * MB);
    struct rusage self, thread;
    CHECK(getrusage(RUSAGE_SELF, &self) == 0);
    CHECK(getrusage(RUSAGE_THREAD, &thread) == 0);
    CHECK(cpu_us(&self) >= 30000);
    CHECK(cpu_us(&thread) >= 30000 && cpu_us(&thread) <= cpu_us(&self) + 10000);
    CHECK(self.ru_maxrss >= 8 * 1024); /* kilobytes */
    CHECK(self.ru_minflt >= 2048);     /* a fault per page touched, at least */

    CHECK_ERRNO(getrusage(5, &ru), EINVAL);
    CHECK_ERRNO(getrusage(-2, &ru), EINVAL); /* RUSAGE_BOTH is the kernel's own */
    CHECK_ERRNO(syscall(SYS_getrusage, RUSAGE_CHILDREN, (void*)8), EFAULT);
}

static void test_usage_of_children(void) {
    /* A child that burns CPU and touches memory: nothing counted until it is reaped. */
    pid_t pid = new_child();
    if (pid == 0) {
        burn_cpu(60);
        touch_memory(32 * MB);
        _exit(0);
    }
    struct rusage ru;
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0); /* a zombie now */
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0);
    CHECK_EQ_LL(cpu_us(&ru), 0);
    CHECK_EQ_LL(ru.ru_maxrss, 0);
    /* wait4 reports the child's usage, and RUSAGE_CHILDREN has it from then on. */
    struct rusage wru;
    memset(&wru, 0, sizeof(wru));
    int status = -1;
    CHECK_EQ_LL(wait4(pid, &status, 0, &wru), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(cpu_us(&wru) >= 60000);
    CHECK(wru.ru_maxrss >= 32 * 1024);
    CHECK(wru.ru_minflt >= 8192);
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0);
    CHECK_EQ_LL(cpu_us(&ru), cpu_us(&wru));
    CHECK_EQ_LL(ru.ru_maxrss, wru.ru_maxrss);
    CHECK_EQ_LL(ru.ru_minflt, wru.ru_minflt);
    long long after_first = cpu_us(&ru);
    long first_maxrss = ru.ru_maxrss;

    /* A child whose own child (reaped by it) did the work: the grandchild is counted in the
     * child's wait4 usage and then in ours; the peak is the largest, not a sum. */
    pid = new_child();
    if (pid == 0) {
        /* A new process starts with nothing, whatever its parent reaped. */
        struct rusage fresh;
        CHECK(getrusage(RUSAGE_CHILDREN, &fresh) == 0);
        CHECK_EQ_LL(cpu_us(&fresh), 0);
        CHECK_EQ_LL(fresh.ru_maxrss, 0);
        pid_t g = new_child();
        if (g == 0) {
            burn_cpu(60);
            touch_memory(48 * MB);
            _exit(0);
        }
        struct rusage gru;
        CHECK_EQ_LL(wait4(g, NULL, 0, &gru), g);
        CHECK(cpu_us(&gru) >= 60000);
        struct rusage mine;
        CHECK(getrusage(RUSAGE_CHILDREN, &mine) == 0);
        CHECK_EQ_LL(cpu_us(&mine), cpu_us(&gru));
        child_done();
    }
    memset(&wru, 0, sizeof(wru));
    CHECK_EQ_LL(wait4(pid, &status, 0, &wru), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(cpu_us(&wru) >= 60000);      /* the grandchild's time */
    CHECK(wru.ru_maxrss >= 48 * 1024); /* and its peak */
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0);
    /* The kernel adds nanoseconds and rounds once: within a microsecond per term. */
    long long sum = after_first + cpu_us(&wru);
    CHECK(cpu_us(&ru) >= sum - 2 && cpu_us(&ru) <= sum + 2);
    CHECK(ru.ru_maxrss >= 48 * 1024 && ru.ru_maxrss >= first_maxrss);
    CHECK(ru.ru_maxrss < first_maxrss + 48 * 1024); /* a maximum, not a sum */

    /* times: the same children's time in clock ticks, this process's own, and elapsed ticks (under
     * umbra: exactly the simulated time slept). */
    long hz = sysconf(_SC_CLK_TCK);
    struct tms tb;
    memset(&tb, 0, sizeof(tb));
    clock_t t0 = times(&tb);
    CHECK(t0 != (clock_t)-1);
    long long child_ticks = (long long)(tb.tms_cutime + tb.tms_cstime);
    CHECK(child_ticks * 1000000 / hz >= cpu_us(&ru) - 2 * 1000000 / hz);
    CHECK(child_ticks * 1000000 / hz <= cpu_us(&ru) + 2 * 1000000 / hz);
    CHECK((tb.tms_utime + tb.tms_stime) * 1000 / hz >= 20); /* burned 30 ms at the start */
    struct timespec tenth = {0, 100000000};
    nanosleep(&tenth, NULL);
    clock_t t1 = times(NULL);
    CHECK(t1 - t0 >= hz / 10);
    if (running_in_sim()) {
        CHECK_EQ_LL(t1 - t0, hz / 10);
    }

    /* waitid's rusage (the raw call has a fifth argument). */
    pid = new_child();
    if (pid == 0) {
        burn_cpu(20);
        _exit(0);
    }
    memset(&wru, 0, sizeof(wru));
    memset(&info, 0, sizeof(info));
    CHECK(syscall(SYS_waitid, P_PID, pid, &info, WEXITED, &wru) == 0);
    CHECK_EQ_LL(info.si_pid, pid);
    CHECK(cpu_us(&wru) >= 20000);
    CHECK(wru.ru_maxrss > 0);
}

/* ---------------------------------------------------------------------------------------------- */

static void test_limits_self(void) {
    struct rlimit rl, got;
    CHECK(getrlimit(RLIMIT_CORE, &rl) == 0);
    rl.rlim_cur = 4096;
    rl.rlim_max = 1 << 20;
    CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
    CHECK(getrlimit(RLIMIT_CORE, &got) == 0);
    CHECK_EQ_LL(got.rlim_cur, 4096);
    CHECK_EQ_LL(got.rlim_max, 1 << 20);
    /* prlimit on pid 0 and on the caller's own pid: the same limits. */
    struct rlimit new = {8192, 1 << 20}, old;
    CHECK(prlimit(0, RLIMIT_CORE, &new, &old) == 0);
    CHECK_EQ_LL(old.rlim_cur, 4096);
    CHECK(prlimit(getpid(), RLIMIT_CORE, NULL, &old) == 0);
    CHECK_EQ_LL(old.rlim_cur, 8192);
    CHECK_EQ_LL(old.rlim_max, 1 << 20);
    new.rlim_cur = 12288;
    CHECK(prlimit(getpid(), RLIMIT_CORE, &new, NULL) == 0);
    CHECK(getrlimit(RLIMIT_CORE, &got) == 0);
    CHECK_EQ_LL(got.rlim_cur, 12288);

    /* Errors change nothing. */
    struct rlimit bad = {100, 50};
    CHECK_ERRNO(setrlimit(RLIMIT_CORE, &bad), EINVAL);
    CHECK_ERRNO(prlimit(0, RLIMIT_CORE, &bad, NULL), EINVAL);
    CHECK_ERRNO(prlimit(getpid(), RLIMIT_CORE, &bad, NULL), EINVAL);
    CHECK_ERRNO(getrlimit(RLIM_NLIMITS, &got), EINVAL);
    CHECK_ERRNO(setrlimit(100, &rl), EINVAL);
    CHECK_ERRNO(prlimit(0, 100, NULL, &got), EINVAL);
    CHECK_ERRNO(syscall(SYS_prlimit64, 0, RLIMIT_CORE, (void*)8, NULL), EFAULT);
    CHECK(getrlimit(RLIMIT_CORE, &got) == 0);
    CHECK_EQ_LL(got.rlim_cur, 12288);
    CHECK_EQ_LL(got.rlim_max, 1 << 20);
}

/* Lowers the hard limit, then tries to raise it again: allowed only with CAP_SYS_RESOURCE. The
 * soft limit may always move up to the hard one. */
static void check_hard_limit_raise(bool privileged) {
    CHECK(has_cap_sys_resource() == privileged);
    struct rlimit rl = {4096, 8192}, got;
    CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
    rl.rlim_cur = 8192;
    CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
    struct rlimit up = {8192, 16384};
    if (privileged) {
        CHECK(setrlimit(RLIMIT_CORE, &up) == 0);
        CHECK(prlimit(getpid(), RLIMIT_CORE, NULL, &got) == 0 && got.rlim_max == 16384);
        up.rlim_max = 32768;
        CHECK(prlimit(getpid(), RLIMIT_CORE, &up, NULL) == 0);
    } else {
        CHECK_ERRNO(setrlimit(RLIMIT_CORE, &up), EPERM);
        CHECK_ERRNO(prlimit(0, RLIMIT_CORE, &up, NULL), EPERM);
        CHECK_ERRNO(prlimit(getpid(), RLIMIT_CORE, &up, NULL), EPERM);
        CHECK(getrlimit(RLIMIT_CORE, &got) == 0 && got.rlim_max == 8192);
    }
}

static void test_hard_limit(void) {
    bool privileged = has_cap_sys_resource();
    printf("CAP_SYS_RESOURCE: %s\n", privileged ? "yes" : "no");
    pid_t pid = new_child();
    if (pid == 0) {
        check_hard_limit_raise(privileged);
        child_done();
    }
    expect_clean_exit(pid);
    if (privileged) {
        /* And the other outcome, once the capability is dropped. */
        pid = new_child();
        if (pid == 0) {
            drop_cap_sys_resource();
            check_hard_limit_raise(false);
            child_done();
        }
        expect_clean_exit(pid);
    }
}

static void test_limits_other(void) {
    /* The parent sets its child's limit, the child reports what it sees. */
    int go[2], report[2];
    ASSERT(pipe(go) == 0 && pipe(report) == 0);
    pid_t pid = new_child();
    if (pid == 0) {
        char c;
        CHECK_EQ_LL(read(go[0], &c, 1), 1);
        struct rlimit rl;
        CHECK(getrlimit(RLIMIT_CORE, &rl) == 0);
        CHECK(write(report[1], &rl, sizeof(rl)) == sizeof(rl));
        /* And reads its parent's. */
        CHECK(prlimit(getppid(), RLIMIT_CORE, NULL, &rl) == 0);
        CHECK(write(report[1], &rl, sizeof(rl)) == sizeof(rl));
        child_done();
    }
    struct rlimit mine;
    CHECK(getrlimit(RLIMIT_CORE, &mine) == 0);
    struct rlimit old, set = {2048, 4096};
    CHECK(prlimit(pid, RLIMIT_CORE, &set, &old) == 0);
    CHECK_EQ_LL(old.rlim_cur, mine.rlim_cur); /* inherited */
    CHECK_EQ_LL(old.rlim_max, mine.rlim_max);
    CHECK(prlimit(pid, RLIMIT_CORE, NULL, &old) == 0);
    CHECK_EQ_LL(old.rlim_cur, 2048);
    struct rlimit bad = {10, 5};
    CHECK_ERRNO(prlimit(pid, RLIMIT_CORE, &bad, NULL), EINVAL);
    CHECK_ERRNO(prlimit(pid, 100, NULL, &old), EINVAL);
    CHECK(getrlimit(RLIMIT_CORE, &old) == 0 && old.rlim_cur == mine.rlim_cur); /* ours: same */
    CHECK(write(go[1], "g", 1) == 1);
    struct rlimit seen;
    CHECK_EQ_LL(read(report[0], &seen, sizeof(seen)), sizeof(seen));
    CHECK_EQ_LL(seen.rlim_cur, 2048);
    CHECK_EQ_LL(seen.rlim_max, 4096);
    CHECK_EQ_LL(read(report[0], &seen, sizeof(seen)), sizeof(seen));
    CHECK_EQ_LL(seen.rlim_cur, mine.rlim_cur);
    CHECK_EQ_LL(seen.rlim_max, mine.rlim_max);
    expect_clean_exit(pid);
    /* A reaped child is gone. */
    CHECK_ERRNO(prlimit(pid, RLIMIT_CORE, NULL, &old), ESRCH);
    CHECK_ERRNO(prlimit(-5, RLIMIT_CORE, NULL, &old), ESRCH);
    close(go[0]);
    close(go[1]);
    close(report[0]);
    close(report[1]);
}

/* Another user's process: only with CAP_SYS_RESOURCE, either way round. Making a process of
 * another user takes root. */
static void test_limits_other_user(void) {
    if (geteuid() != 0) {
        printf("SKIPPED: prlimit across users: not running as root, cannot change ids\n");
        return;
    }
    int go[2], report[2];
    ASSERT(pipe(go) == 0 && pipe(report) == 0);
    struct rlimit old, set = {2048, 4096};
    pid_t pid = new_child();
    if (pid == 0) {
        CHECK(setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0);
        CHECK(!has_cap_sys_resource()); /* changing ids dropped the capabilities */
        CHECK_ERRNO(prlimit(getppid(), RLIMIT_CORE, NULL, &old), EPERM);
        CHECK(prlimit(getpid(), RLIMIT_CORE, NULL, &old) == 0);
        CHECK(write(report[1], "r", 1) == 1);
        char c;
        CHECK_EQ_LL(read(go[0], &c, 1), 1);
        child_done();
    }
    char c;
    CHECK_EQ_LL(read(report[0], &c, 1), 1);
    if (has_cap_sys_resource()) {
        CHECK(prlimit(pid, RLIMIT_CORE, NULL, &old) == 0);
    } else {
        CHECK_ERRNO(prlimit(pid, RLIMIT_CORE, NULL, &old), EPERM);
        CHECK_ERRNO(prlimit(pid, RLIMIT_CORE, &set, NULL), EPERM);
    }
    CHECK(write(go[1], "g", 1) == 1);
    expect_clean_exit(pid);
    close(go[0]);
    close(go[1]);
    close(report[0]);
    close(report[1]);
}

/* The re-executed image: argv = {exe, "exec-check", soft, hard}. Limits survive exec, and so does
 * the usage of children reaped before it. */
static int exec_check(char** argv) {
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_CORE, &rl) == 0);
    CHECK_EQ_LL(rl.rlim_cur, atoll(argv[2]));
    CHECK_EQ_LL(rl.rlim_max, atoll(argv[3]));
    struct rusage ru;
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0);
    CHECK(cpu_us(&ru) >= 20000);
    CHECK(ru.ru_maxrss > 0);
    return test_failures > 0 ? 1 : 0;
}

static void test_inheritance(void) {
    struct rlimit rl = {3072, 6144};
    pid_t pid = new_child();
    if (pid == 0) {
        /* Limits set here are seen by a fork and by an exec'd image. */
        CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
        pid_t g = new_child();
        if (g == 0) {
            struct rlimit got;
            CHECK(getrlimit(RLIMIT_CORE, &got) == 0);
            CHECK(got.rlim_cur == 3072 && got.rlim_max == 6144);
            burn_cpu(20);
            child_done();
        }
        expect_clean_exit(g);
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        ASSERT(n > 0);
        exe[n] = '\0';
        execl(exe, exe, "exec-check", "3072", "6144", (char*)NULL);
        _exit(127);
    }
    expect_clean_exit(pid);
}

int main(int argc, char** argv) {
    if (argc == 4 && strcmp(argv[1], "exec-check") == 0) {
        return exec_check(argv);
    }
    test_usage_before_children(); /* first: before any child exists */
    test_usage_of_children();
    test_limits_self();
    test_hard_limit();
    test_limits_other();
    test_limits_other_user();
    test_inheritance();
    test_done();
    return 0;
}
