/* Helper for tests/cli/test_final_state.sh: prints one line and exits with status argv[1]. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    int status = argc > 1 ? atoi(argv[1]) : 0;
    printf("exit_with: exiting with %d\n", status);
    return status;
}
