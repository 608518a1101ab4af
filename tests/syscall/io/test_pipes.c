/* Pipes (issue 4): pipe and pipe2 (O_CLOEXEC, O_NONBLOCK, bad flags), a capacity of 65536 bytes,
 * F_GETPIPE_SZ/F_SETPIPE_SZ, EAGAIN on an empty or full non-blocking pipe, EOF once every writer
 * closed, EPIPE with SIGPIPE ignored or caught and death by SIGPIPE by default, data across fork, a
 * blocked reader woken by a write and a blocked writer (of more than the capacity, in one call)
 * woken as the reader drains. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(ts);
}

static void make_pipe(int p[2], int flags) {
    ASSERT(pipe2(p, flags) == 0);
}

static void close_pipe(const int p[2]) {
    close(p[0]);
    close(p[1]);
}

static int queued(int fd) {
    int n = -1;
    CHECK(ioctl(fd, FIONREAD, &n) == 0);
    return n;
}

/* Reaps `pid`, returns its wait status. */
static int reap(pid_t pid) {
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    return status;
}

static bool exited_zero(int status) {
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Fills a non-blocking pipe with `chunk`-byte writes until EAGAIN; returns the bytes written. */
static long fill(int fd, size_t chunk) {
    static char buf[65536];
    long total = 0;
    for (;;) {
        ssize_t n = write(fd, buf, chunk);
        if (n < 0) {
            CHECK_EQ_LL(errno, EAGAIN);
            return total;
        }
        total += n;
    }
}

static void test_creation(void) {
    int p[2] = {-1, -1};
    CHECK(pipe(p) == 0);
    CHECK(p[0] >= 0 && p[1] == p[0] + 1); /* the two lowest free numbers */
    CHECK_EQ_LL(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_EQ_LL(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_EQ_LL(fcntl(p[0], F_GETFD), 0);
    CHECK(!(fcntl(p[1], F_GETFL) & O_NONBLOCK));
    char c = 'x';
    CHECK_ERRNO(write(p[0], &c, 1), EBADF);
    CHECK_ERRNO(read(p[1], &c, 1), EBADF);
    close_pipe(p);

    make_pipe(p, O_CLOEXEC | O_NONBLOCK);
    CHECK_EQ_LL(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ_LL(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    close_pipe(p);
    CHECK_ERRNO(pipe2(p, O_APPEND), EINVAL);
    CHECK_ERRNO(pipe2(p, 0x40000000), EINVAL);
}

static void test_capacity(void) {
    int p[2];
    make_pipe(p, O_NONBLOCK);
    CHECK_EQ_LL(fcntl(p[0], F_GETPIPE_SZ), 65536);
    CHECK_EQ_LL(fcntl(p[1], F_GETPIPE_SZ), 65536);
    char c;
    CHECK_ERRNO(read(p[0], &c, 1), EAGAIN); /* empty, writer open */
    CHECK_EQ_LL(fill(p[1], 4096), 65536);
    CHECK_EQ_LL(queued(p[0]), 65536);
    CHECK_ERRNO(write(p[1], "x", 1), EAGAIN);
    close_pipe(p);

    /* One byte at a time: small writes share pages, so again exactly the capacity. */
    make_pipe(p, O_NONBLOCK);
    CHECK_EQ_LL(fill(p[1], 1), 65536);
    close_pipe(p);

    /* A non-blocking write larger than the free space writes what fits. */
    make_pipe(p, O_NONBLOCK);
    static char big[100000];
    CHECK_EQ_LL(write(p[1], big, sizeof(big)), 65536);
    CHECK_EQ_LL(read(p[0], big, sizeof(big)), 65536);
    CHECK_ERRNO(read(p[0], big, 1), EAGAIN);
    /* A write of at most PIPE_BUF (4096) bytes is atomic: all or EAGAIN. One that does not fit
     * in the last page's room takes a page of its own: 16 pages of 3000 bytes. */
    CHECK_EQ_LL(fill(p[1], 3000), 16 * 3000);
    close_pipe(p);

    /* F_SETPIPE_SZ rounds up to a power-of-two number of pages; the new size is the capacity. */
    make_pipe(p, O_NONBLOCK);
    CHECK_EQ_LL(fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
    CHECK_EQ_LL(fcntl(p[0], F_GETPIPE_SZ), 8192);
    CHECK_EQ_LL(fill(p[1], 1024), 8192);
    CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY); /* 8192 bytes would not fit */
    CHECK_EQ_LL(read(p[0], big, sizeof(big)), 8192);
    CHECK_EQ_LL(fcntl(p[1], F_SETPIPE_SZ, 1), 4096);
    CHECK_EQ_LL(fill(p[1], 512), 4096);
    CHECK_EQ_LL(read(p[0], big, sizeof(big)), 4096);
    CHECK_EQ_LL(fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
    CHECK_EQ_LL(fill(p[1], 65536), 1 << 20);
    CHECK_ERRNO(fcntl(p[0], F_SETPIPE_SZ, -1), EINVAL);
    close_pipe(p);
    int fd = open("/dev/null", O_RDONLY);
    CHECK_ERRNO(fcntl(fd, F_GETPIPE_SZ), EBADF);
    CHECK_ERRNO(fcntl(fd, F_SETPIPE_SZ, 8192), EBADF);
    close(fd);
}

static void test_eof(void) {
    int p[2];
    make_pipe(p, 0);
    CHECK_EQ_LL(write(p[1], "abc", 3), 3);
    CHECK(close(p[1]) == 0);
    char buf[8];
    CHECK_EQ_LL(read(p[0], buf, sizeof(buf)), 3); /* the data first */
    CHECK_EQ_LL(read(p[0], buf, sizeof(buf)), 0); /* then EOF, without blocking */
    CHECK_EQ_LL(read(p[0], buf, sizeof(buf)), 0);
    close(p[0]);

    /* EOF only once every writer is closed: a child's copy counts too. */
    make_pipe(p, 0);
    long long start = now_ns();
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        sleep(1);
        _exit(write(p[1], "late", 4) == 4 ? 0 : 1);
    }
    close(p[1]);
    CHECK_EQ_LL(read(p[0], buf, sizeof(buf)), 4);
    CHECK(memcmp(buf, "late", 4) == 0);
    CHECK_EQ_LL(read(p[0], buf, sizeof(buf)), 0);
    CHECK(now_ns() - start >= 1000000000LL);
    CHECK(exited_zero(reap(pid)));
    close(p[0]);
}

static volatile sig_atomic_t sigpipe_caught;

static void on_sigpipe(int sig) {
    sigpipe_caught = sig;
}

static void test_sigpipe(void) {
    /* Ignored: the write fails with EPIPE. */
    int p[2];
    make_pipe(p, 0);
    close(p[0]);
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    /* Caught: the handler runs, then the write fails with EPIPE. */
    CHECK(signal(SIGPIPE, on_sigpipe) != SIG_ERR);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    CHECK_EQ_LL(sigpipe_caught, SIGPIPE);
    /* Default: the writer dies of SIGPIPE. */
    CHECK(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        ssize_t n = write(p[1], "x", 1);
        _exit(n < 0 ? 2 : 3); /* not reached */
    }
    int status = reap(pid);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ_LL(WTERMSIG(status), SIGPIPE);
    close(p[1]);
    /* A non-blocking pipe too; the read end closed after data was queued. */
    make_pipe(p, O_NONBLOCK);
    CHECK_EQ_LL(write(p[1], "data", 4), 4);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    signal(SIGPIPE, SIG_DFL);
    close(p[1]);
}

static void test_across_fork(void) {
    /* Data written before the fork is there for the child; a blocked reader in the child is woken
     * by the parent's write (under umbra: exactly when the parent's sleep ends). */
    int down[2], up[2];
    make_pipe(down, 0);
    make_pipe(up, 0);
    CHECK_EQ_LL(write(down[1], "early", 5), 5);
    long long start = now_ns();
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        char buf[16] = {0};
        bool ok = read(down[0], buf, sizeof(buf)) == 5 && memcmp(buf, "early", 5) == 0;
        ok = ok && read(down[0], buf, sizeof(buf)) == 4 && memcmp(buf, "ping", 4) == 0;
        long long waited = now_ns() - start;
        ok = ok && waited >= 1000000000LL && (!running_in_sim() || waited == 1000000000LL);
        ok = ok && write(up[1], "pong", 4) == 4;
        ok = ok && read(down[0], buf, sizeof(buf)) == 0; /* the parent closed its end */
        _exit(ok ? 0 : 1);
    }
    close(down[0]);
    close(up[1]);
    sleep(1);
    CHECK_EQ_LL(write(down[1], "ping", 4), 4);
    char buf[8] = {0};
    CHECK_EQ_LL(read(up[0], buf, sizeof(buf)), 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
    close(down[1]);
    CHECK_EQ_LL(read(up[0], buf, sizeof(buf)), 0);
    CHECK(exited_zero(reap(pid)));
    close(up[0]);
}

static void test_blocked_writer(void) {
    /* One blocking write of more than the capacity: it fills the pipe, waits for the reader and
     * returns only when everything is written. */
    enum { TOTAL = 65536 + 30000 };
    static unsigned char data[TOTAL];
    for (size_t i = 0; i < TOTAL; i++) {
        data[i] = (unsigned char)(i * 7 + i / 251);
    }
    int p[2];
    make_pipe(p, 0);
    long long start = now_ns();
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        ssize_t n = write(p[1], data, TOTAL);
        long long waited = now_ns() - start;
        bool ok =
            n == TOTAL && waited >= 1000000000LL && (!running_in_sim() || waited == 1000000000LL);
        if (!ok) {
            printf("writer: write returned %zd after %lld ns\n", n, waited);
        }
        _exit(ok ? 0 : 1);
    }
    close(p[1]);
    sleep(1);
    CHECK_EQ_LL(queued(p[0]), 65536); /* full; the writer waits */
    static unsigned char got[TOTAL];
    size_t have = 0;
    while (have < TOTAL) {
        ssize_t n = read(p[0], got + have, 4000);
        CHECK(n > 0);
        if (n <= 0) {
            break;
        }
        have += (size_t)n;
    }
    CHECK_EQ_LL(have, TOTAL);
    CHECK(memcmp(got, data, TOTAL) == 0);
    CHECK(exited_zero(reap(pid)));
    char c;
    CHECK_EQ_LL(read(p[0], &c, 1), 0);
    close(p[0]);
}

int main(void) {
    test_creation();
    test_capacity();
    test_eof();
    test_sigpipe();
    test_across_fork();
    test_blocked_writer();
    test_done();
    return 0;
}
