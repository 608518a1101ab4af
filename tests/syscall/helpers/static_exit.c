/* Helper for tests/cli/test_bad_executables.sh: built with -static, which umbra must refuse. */
int main(void) {
    return 0;
}
