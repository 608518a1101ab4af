/* Cost of a syscall for a managed process (issue 3, "Done when" 7): ns per call of
 *   time      clock_gettime(CLOCK_MONOTONIC)            (answered in the shim from shared memory)
 *   fastpath  getppid() through libc                     (the shim's libc-name fast path + IPC)
 *   trap      getppid through a raw `syscall` instruction (the SIGSYS trap path + IPC)
 *   write     write(2) of 1 byte to a regular file in the cwd (native passthrough)
 * Under umbra the clocks are simulated, so calls are timed with rdtsc and converted with a TSC rate
 * measured natively beforehand (--calibrate). If rdtsc itself is virtualized (it does not follow a
 * reference busy loop the way it did natively), the run says `rdtsc=unreliable` and
 * run_syscall_bench.sh times whole runs from outside instead.
 *
 * Usage: syscall_bench --calibrate                 (natively only) prints cycles_per_ns, ref_cycles
 *        syscall_bench CYCLES_PER_NS REF_CYCLES [SCALE [OP]]
 *            runs every operation (or only OP) with SCALE times the default iterations (default 1;
 *            0 runs nothing, a baseline for timing from outside) and prints per operation
 *            `op=NAME iters=N ns=MEDIAN min=MIN max=MAX`, over 5 rounds. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* A syscall instruction in this program's own text, so that under umbra it takes the trap path. */
static inline long raw_syscall0(long nr) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
    return ret;
}

#define REF_ITERS 20000000ULL

/* Pure CPU work of a fixed size, for checking that rdtsc counts real cycles: the fastest of five
 * runs, since a busy machine only ever makes it slower. */
static uint64_t ref_loop_cycles(void) {
    uint64_t best = UINT64_MAX;
    for (int r = 0; r < 5; r++) {
        volatile uint64_t x = 0;
        uint64_t c0 = rdtsc();
        for (uint64_t i = 0; i < REF_ITERS; i++) {
            x += i;
        }
        uint64_t c = rdtsc() - c0;
        best = c < best ? c : best;
    }
    return best;
}

static long long mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int calibrate(void) {
    if (getenv("UMBRA_SIMULATED") != NULL) {
        fprintf(stderr, "syscall_bench: --calibrate needs real time; run it natively\n");
        return 1;
    }
    long long t0 = mono_ns();
    uint64_t c0 = rdtsc();
    long long t1;
    do {
        t1 = mono_ns();
    } while (t1 - t0 < 200000000LL);
    uint64_t c1 = rdtsc();
    printf("cycles_per_ns=%.6f\n", (double)(c1 - c0) / (double)(t1 - t0));
    printf("ref_cycles=%llu\n", (unsigned long long)ref_loop_cycles());
    return 0;
}

static volatile long sink;
static int write_fd = -1;

static void op_time(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sink = ts.tv_nsec;
}
static void op_fastpath(void) {
    sink = getppid();
}
static void op_trap(void) {
    sink = raw_syscall0(SYS_getppid);
}
static void op_write(void) {
    sink = write(write_fd, "x", 1);
}

static const struct {
    const char* name;
    void (*fn)(void);
    unsigned long long iters;
} ops[] = {
    {"time", op_time, 2000000},
    {"fastpath", op_fastpath, 200000},
    {"trap", op_trap, 100000},
    {"write", op_write, 100000},
};

#define ROUNDS 5

static int cmp_double(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "--calibrate") == 0) {
        return calibrate();
    }
    if (argc < 3) {
        fprintf(stderr, "usage: syscall_bench --calibrate | CYCLES_PER_NS REF_CYCLES [SCALE [OP]]\n");
        return 2;
    }
    double cycles_per_ns = strtod(argv[1], NULL);
    double ref = strtod(argv[2], NULL);
    double scale = argc > 3 ? strtod(argv[3], NULL) : 1.0;
    const char* only = argc > 4 ? argv[4] : NULL;
    if (cycles_per_ns <= 0 || ref <= 0 || scale < 0) {
        fprintf(stderr, "syscall_bench: bad arguments\n");
        return 2;
    }

    write_fd = open("syscall_bench.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (write_fd < 0) {
        perror("syscall_bench: open syscall_bench.tmp");
        return 1;
    }
    if (getppid() <= 0 || raw_syscall0(SYS_getppid) != getppid()) {
        fprintf(stderr, "syscall_bench: getppid through libc and the raw syscall disagree\n");
        return 1;
    }

    double ratio = (double)ref_loop_cycles() / ref;
    printf("rdtsc_check=%.3f\n", ratio);
    printf("rdtsc=%s\n", ratio > 0.5 && ratio < 2.0 ? "ok" : "unreliable");

    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (only != NULL && strcmp(only, ops[i].name) != 0) {
            continue;
        }
        unsigned long long n = (unsigned long long)((double)ops[i].iters * scale);
        if (n == 0) {
            continue;
        }
        for (unsigned long long k = 0; k < n / 10; k++) { /* warm up */
            ops[i].fn();
        }
        /* ROUNDS rounds of n calls; the median round is the figure (these VMs are noisy). */
        double round_ns[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            uint64_t c0 = rdtsc();
            for (unsigned long long k = 0; k < n; k++) {
                ops[i].fn();
            }
            round_ns[r] = (double)(rdtsc() - c0) / cycles_per_ns / (double)n;
        }
        qsort(round_ns, ROUNDS, sizeof(double), cmp_double);
        printf("op=%s iters=%llu ns=%.1f min=%.1f max=%.1f\n", ops[i].name, n * ROUNDS,
               round_ns[ROUNDS / 2], round_ns[0], round_ns[ROUNDS - 1]);
    }
    close(write_fd);
    unlink("syscall_bench.tmp");
    printf("EXIT-SUCCESS\n");
    return 0;
}
