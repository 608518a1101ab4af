/* futex operations called directly (issue 4): WAIT (EAGAIN when the word differs), WAKE counts,
 * relative and absolute timeouts (WAIT_BITSET with and without FUTEX_CLOCK_REALTIME), REQUEUE and
 * CMP_REQUEUE, WAKE_OP, WAIT_BITSET/WAKE_BITSET, private vs shared keys between processes on
 * MAP_SHARED anonymous memory and on a file mapped at different addresses, robust mutexes whose
 * owner dies (EOWNERDEAD for the next locker, also one already waiting), and set_tid_address
 * (returns the tid; the new word is cleared and woken when the thread ends). */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static long futex(volatile uint32_t* uaddr, int op, uint32_t val, const void* timeout_or_val2,
                  volatile uint32_t* uaddr2, uint32_t val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static void nap_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool read_line(const char* dir, const char* name, char* buf, int len) {
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE* f = fopen(path, "r");
    bool got = f != NULL && fgets(buf, len, f) != NULL;
    if (f != NULL) {
        fclose(f);
    }
    return got;
}

/* Whether the native thread or process at `proc_dir` sleeps in a futex wait: its wchan says so,
 * or, where the kernel hides wchan ("0"), it is sleeping at all. */
static bool in_futex_wait(const char* proc_dir) {
    char wchan[64] = "", stat[512] = "";
    if (!read_line(proc_dir, "wchan", wchan, sizeof(wchan))) {
        return false;
    }
    if (strcmp(wchan, "0") != 0) {
        return strstr(wchan, "futex") != NULL;
    }
    const char* end = read_line(proc_dir, "stat", stat, sizeof(stat)) ? strrchr(stat, ')') : NULL;
    return end != NULL && end[1] == ' ' && end[2] == 'S';
}

/* Waits until `n` waiters announced themselves (each increments *ready just before its wait) and
 * are asleep in the kernel. Under umbra the announcement is enough: a host runs one thread at a
 * time, and a waiter's next syscall after announcing is the wait, which blocks it before anyone
 * else runs (and its native tid is not the virtual one /proc would need). */
static void await_waiters(atomic_int* ready, int n, const pid_t* ids, bool threads) {
    while (atomic_load(ready) < n) {
        nap_ms(1);
    }
    for (int i = 0; i < n && !running_in_sim(); i++) {
        char dir[64];
        if (threads) {
            snprintf(dir, sizeof(dir), "/proc/self/task/%d", (int)ids[i]);
        } else {
            snprintf(dir, sizeof(dir), "/proc/%d", (int)ids[i]);
        }
        while (!in_futex_wait(dir)) {
            nap_ms(1);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Threads that wait on a word.
 * --------------------------------------------------------------------------------------------- */

typedef struct {
    volatile uint32_t* word;
    uint32_t bitset;
    atomic_int* ready;
    pid_t tid;
    long result; /* the wait's return (0) or -errno */
} Waiter;

static void* waiter_main(void* arg) {
    Waiter* w = arg;
    w->tid = (pid_t)syscall(SYS_gettid);
    atomic_fetch_add(w->ready, 1);
    long rv = futex(w->word, FUTEX_WAIT_BITSET_PRIVATE, *w->word, NULL, NULL, w->bitset);
    w->result = rv == 0 ? 0 : -errno;
    return NULL;
}

static atomic_int ready;

/* Starts n waiters on `word` (value unchanged) and waits until all sleep. */
static void start_waiters(pthread_t* t, Waiter* w, int n, volatile uint32_t* word,
                          uint32_t bitset) {
    atomic_store(&ready, 0);
    pid_t tids[8];
    for (int i = 0; i < n; i++) {
        w[i] = (Waiter){.word = word, .bitset = bitset, .ready = &ready, .result = 1};
        ASSERT(pthread_create(&t[i], NULL, waiter_main, &w[i]) == 0);
    }
    while (atomic_load(&ready) < n) {
        nap_ms(1);
    }
    for (int i = 0; i < n; i++) {
        tids[i] = w[i].tid;
    }
    await_waiters(&ready, n, tids, true);
}

static void join_all(pthread_t* t, Waiter* w, int n) {
    for (int i = 0; i < n; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
        CHECK_EQ_LL(w[i].result, 0);
    }
}

static void test_wait_wake(void) {
    static volatile uint32_t word = 5;
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 6, NULL, NULL, 0), EAGAIN);
    CHECK_ERRNO(futex(&word, FUTEX_WAIT, 6, NULL, NULL, 0), EAGAIN);
    CHECK_EQ_LL(futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0); /* nobody waits */
    CHECK_ERRNO(futex((volatile uint32_t*)((char*)&word + 1), FUTEX_WAIT, 5, NULL, NULL, 0),
                EINVAL); /* misaligned */

    pthread_t t[3];
    Waiter w[3];
    start_waiters(t, w, 3, &word, FUTEX_BITSET_MATCH_ANY);
    CHECK_EQ_LL(futex(&word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0), 2);
    CHECK_EQ_LL(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1);
    join_all(t, w, 3);
}

static void test_timeouts(void) {
    static volatile uint32_t word = 1;
    struct timespec rel = {0, 100 * 1000 * 1000}, start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0), ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &end);
    CHECK(ts_ns(end) - ts_ns(start) >= 100 * 1000 * 1000LL);

    /* WAIT_BITSET takes an absolute time: CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag. */
    clockid_t clocks[2] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
    for (int i = 0; i < 2; i++) {
        int op = FUTEX_WAIT_BITSET_PRIVATE | (i == 1 ? FUTEX_CLOCK_REALTIME : 0);
        struct timespec now, deadline;
        clock_gettime(clocks[i], &now);
        deadline = ns_ts(ts_ns(now) + 150 * 1000 * 1000LL);
        CHECK_ERRNO(futex(&word, op, 1, &deadline, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
        clock_gettime(clocks[i], &end);
        CHECK(ts_ns(end) >= ts_ns(deadline));
        CHECK(ts_ns(end) - ts_ns(now) < 10 * 1000000000LL);
        /* A deadline already past: at once. */
        CHECK_ERRNO(futex(&word, op, 1, &now, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    }
    struct timespec bad = {0, 1000000000L};
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0), EINVAL);
    /* FUTEX_CLOCK_REALTIME only goes with operations that take an absolute time. */
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &rel, NULL, 0), ENOSYS);
    CHECK_ERRNO(futex(&word, FUTEX_WAKE_PRIVATE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS);
}

static void test_requeue(void) {
    static volatile uint32_t a = 1, b = 2;
    pthread_t t[3];
    Waiter w[3];
    start_waiters(t, w, 3, &a, FUTEX_BITSET_MATCH_ANY);
    /* Wake one, move one to b: the count is both. */
    CHECK_EQ_LL(futex(&a, FUTEX_REQUEUE_PRIVATE, 1, (void*)1L, &b, 0), 2);
    CHECK_EQ_LL(futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1);
    CHECK_EQ_LL(futex(&a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1);
    join_all(t, w, 3);

    start_waiters(t, w, 3, &a, FUTEX_BITSET_MATCH_ANY);
    CHECK_ERRNO(futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)1L, &b, 7), EAGAIN);
    /* Wake none, move two. */
    CHECK_EQ_LL(futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void*)2L, &b, 1), 2);
    CHECK_EQ_LL(futex(&a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1);
    CHECK_EQ_LL(futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 2);
    join_all(t, w, 3);
}

static void test_wake_op(void) {
    static volatile uint32_t a = 1, b = 0;
    pthread_t t[2];
    Waiter w[2];
    pthread_t* ta = &t[0];
    pthread_t* tb = &t[1];
    /* One waiter on each word; b == 0, so "set b to 5 if it was 0" wakes on both. */
    start_waiters(ta, &w[0], 1, &a, FUTEX_BITSET_MATCH_ANY);
    start_waiters(tb, &w[1], 1, &b, FUTEX_BITSET_MATCH_ANY);
    int op = FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0);
    CHECK_EQ_LL(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void*)1L, &b, (uint32_t)op), 2);
    CHECK_EQ_LL(b, 5);
    join_all(t, w, 2);

    /* Now b == 5: "add 3 if it was 0" changes b but wakes only a's waiter. */
    start_waiters(ta, &w[0], 1, &a, FUTEX_BITSET_MATCH_ANY);
    start_waiters(tb, &w[1], 1, &b, FUTEX_BITSET_MATCH_ANY);
    op = FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 0);
    CHECK_EQ_LL(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void*)1L, &b, (uint32_t)op), 1);
    CHECK_EQ_LL(b, 8);
    /* Shifted argument, "or 1 << 4 if it was greater than 7": wakes b's waiter, none on a. */
    op = FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_GT, 7);
    CHECK_EQ_LL(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void*)1L, &b, (uint32_t)op), 1);
    CHECK_EQ_LL(b, 24);
    join_all(t, w, 2);
    /* An unknown operation. */
    CHECK_ERRNO(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void*)1L, &b, 7u << 28), ENOSYS);
}

static void test_bitset(void) {
    static volatile uint32_t word = 3;
    pthread_t t[1];
    Waiter w[1];
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 3, NULL, NULL, 0), EINVAL);
    CHECK_ERRNO(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL);
    start_waiters(t, w, 1, &word, 0x1);
    CHECK_EQ_LL(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2), 0);
    CHECK_EQ_LL(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x3), 1);
    join_all(t, w, 1);
}

/* ---------------------------------------------------------------------------------------------
 * Shared futexes between processes.
 * --------------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t word;
    atomic_int ready;
} SharedWord;

/* A child waits (shared key) on the word at `mine`, then exits 0 if woken. The parent, through its
 * own mapping `theirs` of the same memory, wakes it: a private wake finds nobody, a shared one
 * finds the child. */
static void shared_case(SharedWord* mine, SharedWord* (*child_map)(void)) {
    mine->word = 11;
    atomic_store(&mine->ready, 0);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        SharedWord* s = child_map != NULL ? child_map() : mine;
        if (s == NULL) {
            _exit(3);
        }
        atomic_fetch_add(&s->ready, 1);
        long rv = futex(&s->word, FUTEX_WAIT, 11, NULL, NULL, 0);
        _exit(rv == 0 ? 0 : 2);
    }
    await_waiters(&mine->ready, 1, &pid, false);
    CHECK_EQ_LL(futex(&mine->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
    CHECK_EQ_LL(futex(&mine->word, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const char* shared_file = "futex_shared.tmp";

/* The child maps the file itself, at an address of its own (offset 4096 into the mapping). */
static SharedWord* map_file_in_child(void) {
    int fd = open(shared_file, O_RDWR);
    if (fd < 0) {
        return NULL;
    }
    char* m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return m == MAP_FAILED ? NULL : (SharedWord*)(m + 4096);
}

static void test_shared(void) {
    SharedWord* anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
                            0);
    ASSERT(anon != MAP_FAILED);
    shared_case(anon, NULL);
    munmap(anon, 4096);

    int fd = open(shared_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ASSERT(fd >= 0);
    ASSERT(ftruncate(fd, 3 * 4096) == 0);
    /* The parent maps only the second page: the same word at another offset in its mapping. */
    char* m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    ASSERT(m != MAP_FAILED);
    close(fd);
    shared_case((SharedWord*)m, map_file_in_child);
    munmap(m, 4096);
    unlink(shared_file);
}

/* ---------------------------------------------------------------------------------------------
 * Robust mutexes and set_tid_address.
 * --------------------------------------------------------------------------------------------- */

static pthread_mutex_t robust;
static atomic_int owner_locked;

static void* die_holding(void* arg) {
    long hold_ms = (long)arg;
    if (pthread_mutex_lock(&robust) != 0) {
        return (void*)1L;
    }
    atomic_store(&owner_locked, 1);
    nap_ms(hold_ms);
    return NULL; /* ends still holding the mutex */
}

static void test_robust(void) {
    pthread_mutexattr_t attr;
    ASSERT(pthread_mutexattr_init(&attr) == 0);
    ASSERT(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0);
    ASSERT(pthread_mutex_init(&robust, &attr) == 0);
    for (int contended = 0; contended <= 1; contended++) {
        atomic_store(&owner_locked, 0);
        pthread_t t;
        ASSERT(pthread_create(&t, NULL, die_holding, (void*)(contended ? 200L : 0L)) == 0);
        if (!contended) {
            CHECK(pthread_join(t, NULL) == 0); /* the owner is gone before we try */
        } else {
            while (!atomic_load(&owner_locked)) {
                nap_ms(1);
            }
        }
        /* Contended: we wait in the kernel until the owner dies. */
        CHECK_EQ_LL(pthread_mutex_lock(&robust), EOWNERDEAD);
        CHECK(pthread_mutex_consistent(&robust) == 0);
        CHECK(pthread_mutex_unlock(&robust) == 0);
        if (contended) {
            CHECK(pthread_join(t, NULL) == 0);
        }
        CHECK(pthread_mutex_lock(&robust) == 0); /* consistent again */
        CHECK(pthread_mutex_unlock(&robust) == 0);
    }
}

static volatile uint32_t tid_word = 1;
static atomic_long set_tid_result;

static void* change_tid_address(void* arg) {
    (void)arg;
    long tid = syscall(SYS_gettid);
    tid_word = (uint32_t)tid;
    set_tid_result = syscall(SYS_set_tid_address, &tid_word) == tid ? 1 : -1;
    return NULL; /* the kernel clears tid_word and wakes it, not glibc's own word */
}

static void test_set_tid_address(void) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    ASSERT(pthread_create(&t, &attr, change_tid_address, NULL) == 0);
    uint32_t v;
    int rounds = 0;
    while ((v = tid_word) != 0 && rounds++ < 1000) {
        struct timespec ts = {5, 0};
        long rv = futex(&tid_word, FUTEX_WAIT, v, &ts, NULL, 0);
        CHECK(rv == 0 || errno == EAGAIN);
    }
    CHECK_EQ_LL(tid_word, 0);
    CHECK_EQ_LL(set_tid_result, 1);
    /* In a process's only thread: the return is the pid. */
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        static int word;
        _exit(syscall(SYS_set_tid_address, &word) == getpid() ? 0 : 1);
    }
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void) {
    test_wait_wake();
    test_timeouts();
    test_requeue();
    test_wake_op();
    test_bitset();
    test_shared();
    test_robust();
    test_set_tid_address();
    test_done();
}
