/* Helper for tests/cli/test_final_state.sh: raises the signal argv[1] (a number or a name such as
 * SIGABRT) with its default action, so the process ends killed by it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_signal(const char* s) {
    static const struct {
        const char* name;
        int sig;
    } names[] = {{"SIGABRT", SIGABRT}, {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},
                 {"SIGKILL", SIGKILL}, {"SIGSEGV", SIGSEGV}, {"SIGUSR1", SIGUSR1},
                 {"SIGHUP", SIGHUP},   {"SIGQUIT", SIGQUIT}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            return names[i].sig;
        }
    }
    return atoi(s);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: raise_signal SIGNAL\n");
        return 2;
    }
    int sig = parse_signal(argv[1]);
    printf("raise_signal: raising %d\n", sig);
    fflush(stdout);
    signal(sig, SIG_DFL);
    raise(sig);
    fprintf(stderr, "raise_signal: still alive after raising %d\n", sig);
    return 3;
}
