/* Helper for tests/cli/test_final_state.sh: writes argv[1] (default 10) numbered lines straight to
 * fd 1, then sleeps one second at a time forever. Used for processes that are still running at
 * stop_time or get a shutdown signal; its stdout file must hold every line afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
    int lines = argc > 1 ? atoi(argv[1]) : 10;
    for (int i = 1; i <= lines; i++) {
        char buf[64];
        int n = snprintf(buf, sizeof(buf), "sleep_forever: line %d of %d\n", i, lines);
        if (write(1, buf, (size_t)n) != n) {
            return 2;
        }
    }
    for (;;) {
        struct timespec one = {1, 0};
        nanosleep(&one, NULL);
    }
}
