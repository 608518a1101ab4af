/* Helper for tests/cli/test_kill9.sh: burns CPU without any syscall for roughly argv[1] seconds
 * (default 60) of wall time, so it cannot notice that umbra died; only PR_SET_PDEATHSIG (or an
 * equivalent) can end it early. Further arguments are ignored; the test passes a unique token
 * there to find the process. */
#include <stdlib.h>

int main(int argc, char** argv) {
    unsigned long long seconds = argc > 1 ? strtoull(argv[1], NULL, 10) : 60;
    /* A volatile increment costs about a nanosecond or more; this is an upper bound of work, not
     * a timer. */
    volatile unsigned long long counter = 0;
    for (unsigned long long i = 0; i < seconds * 1000000000ULL; i++) {
        counter++;
    }
    return (int)(counter & 1);
}
