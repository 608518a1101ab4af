/* eventfd (issue 4): a read blocks until another process adds to the counter (exactly its sleep
 * later, under umbra); semaphore mode hands out one at a time; non-blocking reads of an empty
 * counter fail with EAGAIN; bad writes fail with EINVAL. */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(ts);
}

int main(void) {
    int fd = eventfd(0, EFD_CLOEXEC);
    ASSERT(fd >= 0);
    long long start = now_ns();
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        sleep(1);
        uint64_t five = 5;
        _exit(write(fd, &five, sizeof(five)) == sizeof(five) ? 0 : 1);
    }
    uint64_t value = 0;
    CHECK_EQ_LL(read(fd, &value, sizeof(value)), sizeof(value));
    CHECK_EQ_LL(value, 5);
    if (running_in_sim()) {
        CHECK_EQ_LL(now_ns() - start, 1000000000LL);
    }
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    ASSERT(sem >= 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_LL(read(sem, &value, sizeof(value)), sizeof(value));
        CHECK_EQ_LL(value, 1);
    }
    CHECK_ERRNO(read(sem, &value, sizeof(value)), EAGAIN);
    uint64_t max = UINT64_MAX;
    CHECK_ERRNO(write(sem, &max, sizeof(max)), EINVAL);
    CHECK_ERRNO(read(sem, &value, 4), EINVAL);
    test_done();
    return 0;
}
