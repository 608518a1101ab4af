/* The one Check runner: every suite listed in the generated check_suites.h runs in fork mode, so a
 * crash in one test counts as that test's failure. `check_runner SUITE [TCASE]` runs a subset
 * (the environment variables CK_RUN_SUITE and CK_RUN_CASE do the same). */
#include <stdlib.h>

#include "check_suites.h"

int main(int argc, char** argv) {
    SRunner* runner = srunner_create(check_suites[0]());
    for (int i = 1; check_suites[i] != NULL; i++) {
        srunner_add_suite(runner, check_suites[i]());
    }
    srunner_run(runner, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
