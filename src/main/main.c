/* umbra's entry point (grows into CLI → config → graph → controller as modules land). */
#include <stdio.h>

int main(int argc, char** argv) {
    (void)argc;
    (void)argv;
    printf("umbra %s\n", UMBRA_VERSION);
    return 0;
}
