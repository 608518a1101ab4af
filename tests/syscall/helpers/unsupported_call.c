/* Helper for tests/cli/test_unsupported.sh: makes a syscall umbra does not support (mq_unlink)
 * twice and prints what each returned, e.g. "mq_unlink: -1 ENOSYS". Natively it gives ENOENT. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 2; i++) {
        errno = 0;
        long rv = syscall(SYS_mq_unlink, "/umbra-test-no-such-queue");
        printf("mq_unlink: %ld %s\n", rv, errno == ENOSYS ? "ENOSYS" : strerror(errno));
    }
    return 0;
}
