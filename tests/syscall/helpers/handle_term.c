/* Helper for tests/cli/test_final_state.sh: handles SIGTERM by printing a line and exiting 0; until
 * then it sleeps one second at a time. */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void on_term(int sig) {
    static const char msg[] = "handle_term: got SIGTERM, exiting 0\n";
    (void)sig;
    if (write(1, msg, sizeof(msg) - 1) < 0) {
        _exit(2);
    }
    _exit(0);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0) {
        return 2;
    }
    static const char ready[] = "handle_term: waiting for SIGTERM\n";
    if (write(1, ready, sizeof(ready) - 1) < 0) {
        return 2;
    }
    for (;;) {
        struct timespec one = {1, 0};
        nanosleep(&one, NULL);
    }
}
