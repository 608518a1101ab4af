/* AF_UNIX names are per host: run as `a PATH` on one host and `b PATH` on another (one second
 * later; unix_hosts.yaml.in), both bind the same abstract name, and b can reach neither a's
 * abstract listener nor a's socket file at the absolute PATH (ECONNREFUSED), while it reaches its
 * own. Without arguments (natively: one machine, one namespace) the same steps in one process show
 * what umbra changes: the second bind is EADDRINUSE and the connects succeed. */
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../test_util.h"

static socklen_t make_addr(struct sockaddr_un* a, const char* name) {
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (name[0] == '@') {
        memcpy(a->sun_path + 1, name + 1, strlen(name + 1));
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
    }
    strcpy(a->sun_path, name);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1);
}

/* A stream listener on `name`, or -1 with errno. */
static int listener(const char* name) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, name);
    if (bind(fd, (struct sockaddr*)&a, len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    CHECK(listen(fd, 4) == 0);
    return fd;
}

static int connect_to(const char* name) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, name);
    int rv = connect(fd, (struct sockaddr*)&a, len);
    int e = errno;
    close(fd);
    errno = e;
    return rv;
}

static void host_a(const char* path, int* fds) {
    unlink(path);
    fds[0] = listener(path);
    fds[1] = listener("@unix-hosts-shared");
    fds[2] = listener("@unix-hosts-only-a");
    CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
}

int main(int argc, char** argv) {
    char native_path[64];
    snprintf(native_path, sizeof(native_path), "/tmp/umbra-unix-hosts-%d.sock", (int)getpid());
    const char* path = argc > 2 ? argv[2] : native_path;
    int fds[3];
    if (argc > 2 && strcmp(argv[1], "a") == 0) {
        host_a(path, fds);
        printf("a bound\n");
        sleep(3); /* b tries meanwhile */
        unlink(path);
        test_done();
    }
    if (argc > 2 && strcmp(argv[1], "b") == 0) {
        int own = listener("@unix-hosts-shared");
        CHECK(own >= 0);
        CHECK(access(path, F_OK) == 0); /* a's socket file is there... */
        CHECK_ERRNO(connect_to(path), ECONNREFUSED); /* ...but belongs to another host */
        CHECK_ERRNO(connect_to("@unix-hosts-only-a"), ECONNREFUSED);
        CHECK(connect_to("@unix-hosts-shared") == 0); /* its own */
        printf("b isolated\n");
        test_done();
    }
    /* One namespace: what a and b would see on one machine. */
    host_a(path, fds);
    CHECK_ERRNO(listener("@unix-hosts-shared"), EADDRINUSE);
    CHECK(connect_to(path) == 0);
    CHECK(connect_to("@unix-hosts-only-a") == 0);
    unlink(path);
    test_done();
}
