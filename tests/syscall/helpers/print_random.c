/* Helper for tests/cli/test_determinism_random.sh: prints 32 bytes from getrandom, 32 bytes read
 * from /dev/urandom and the 16 AT_RANDOM bytes of the auxiliary vector (hex), its pid and
 * time(NULL). Under umbra all of them come from the simulation, so two runs with the same seed
 * print the same. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static void print_hex(const char* label, const unsigned char* b, size_t n) {
    printf("%s=", label);
    for (size_t i = 0; i < n; i++) {
        printf("%02x", b[i]);
    }
    printf("\n");
}

int main(void) {
    unsigned char buf[32];
    if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
        perror("getrandom");
        return 1;
    }
    print_hex("getrandom", buf, sizeof(buf));
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
        perror("/dev/urandom");
        return 1;
    }
    close(fd);
    print_hex("urandom", buf, sizeof(buf));
    print_hex("at_random", (const unsigned char*)getauxval(AT_RANDOM), 16);
    printf("pid=%d\n", (int)getpid());
    printf("time=%lld\n", (long long)time(NULL));
    return 0;
}
