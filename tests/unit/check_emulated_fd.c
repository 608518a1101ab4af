/* Socket placeholders (host/emulated_fd.h): what native poll and epoll report on end A of the
 * AF_UNIX pair for each readiness umbra sets, on this machine's kernel. The pairs are blocking,
 * as a program's blocking socket is: nothing here may wait (the TCase timeout catches it). */
#include <check.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/emulated_fd.h"

typedef struct {
    EmulatedFdSet* set;
    EmulatedFd* efd;
    int a; /* the program's descriptor of A */
} Pair;

static Pair _pair_new(void) {
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    Pair p = {.set = emulatedfdset_new(), .a = sv[0]};
    int dup_a = dup(sv[0]); /* umbra's duplicate, as pidfd_getfd gives it */
    ck_assert_int_ge(dup_a, 0);
    p.efd = emulatedfdset_addSocket(p.set, dup_a, sv[1]);
    return p;
}

static void _pair_free(Pair* p) {
    emulatedfdset_free(p->set);
    close(p->a);
}

static short _revents(int fd) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI};
    ck_assert_int_ge(poll(&pfd, 1, 0), 0);
    return pfd.revents;
}

START_TEST(test_readable_and_writable) {
    Pair p = _pair_new();
    ck_assert_int_eq(_revents(p.a), POLLOUT); /* a new socket: writable only */
    ck_assert(emulatedfd_setSocketReadiness(p.efd, true, true, false, false));
    ck_assert_int_eq(_revents(p.a), POLLIN | POLLOUT);
    ck_assert(!emulatedfd_setSocketReadiness(p.efd, true, true, false, false)); /* no change */
    ck_assert(!emulatedfd_setSocketReadiness(p.efd, true, false, false, false));
    ck_assert_int_eq(_revents(p.a), POLLIN);
    ck_assert(!emulatedfd_setSocketReadiness(p.efd, false, false, false, false));
    ck_assert_int_eq(_revents(p.a), 0);
    ck_assert(emulatedfd_setSocketReadiness(p.efd, false, true, false, false));
    ck_assert_int_eq(_revents(p.a), POLLOUT);
    /* Many times over: the bytes of either direction never pile up into a wait. */
    for (int i = 0; i < 1000; i++) {
        emulatedfd_setSocketReadiness(p.efd, i % 2, i % 3 != 0, false, false);
        ck_assert_int_eq(_revents(p.a), (i % 2 ? POLLIN : 0) | (i % 3 != 0 ? POLLOUT : 0));
    }
    _pair_free(&p);
}
END_TEST

/* Each arrival is an EPOLLET edge, readable already or not, as Linux's sock_def_readable. */
START_TEST(test_arrivals_are_edges) {
    Pair p = _pair_new();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, p.a, &ev), 0);
    struct epoll_event out;
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 0), 0);
    for (int i = 0; i < 100; i++) { /* more than B's send buffer holds */
        ck_assert(emulatedfd_socketDataArrived(p.efd));
        ck_assert_int_eq(epoll_wait(ep, &out, 1, 0), 1);
        ck_assert_int_eq(epoll_wait(ep, &out, 1, 0), 0); /* consumed until the next arrival */
        ck_assert_int_eq(_revents(p.a), POLLIN | POLLOUT);
    }
    ck_assert(!emulatedfd_setSocketReadiness(p.efd, false, true, false, false));
    ck_assert_int_eq(_revents(p.a), POLLOUT);
    close(ep);
    _pair_free(&p);
}
END_TEST

/* Writable again is an EPOLLOUT edge (the kernel's unix_write_space). */
START_TEST(test_writable_edge) {
    Pair p = _pair_new();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLET};
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, p.a, &ev), 0);
    struct epoll_event out;
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 0), 1);
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 0), 0);
    emulatedfd_setSocketReadiness(p.efd, false, false, false, false);
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 0), 0);
    ck_assert(emulatedfd_setSocketReadiness(p.efd, false, true, false, false));
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 0), 1);
    ck_assert_uint_eq(out.events, EPOLLOUT);
    close(ep);
    _pair_free(&p);
}
END_TEST

START_TEST(test_rdhup) {
    Pair p = _pair_new();
    ck_assert(emulatedfd_setSocketReadiness(p.efd, false, true, true, false));
    ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLOUT); /* tcp_poll after a FIN */
    ck_assert(!emulatedfd_setSocketReadiness(p.efd, false, true, false, false)); /* for good */
    ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLOUT);
    emulatedfd_setSocketReadiness(p.efd, false, false, true, false); /* writability still moves */
    ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP);
    emulatedfd_socketDataArrived(p.efd);
    ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP);
    ck_assert(emulatedfd_setSocketReadiness(p.efd, false, true, true, false));
    ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLOUT);
    _pair_free(&p);
}
END_TEST

START_TEST(test_hup) {
    for (int from_unwritable = 0; from_unwritable < 2; from_unwritable++) {
        Pair p = _pair_new();
        emulatedfd_setSocketReadiness(p.efd, false, !from_unwritable, false, false);
        ck_assert(emulatedfd_setSocketReadiness(p.efd, false, false, false, true));
        /* Both ways shut: tcp_poll's POLLHUP, POLLIN|POLLRDHUP and (SEND_SHUTDOWN) POLLOUT. */
        ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLHUP | POLLOUT);
        ck_assert(!emulatedfd_setSocketReadiness(p.efd, false, false, false, false));
        ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLHUP | POLLOUT);
        /* A reset after it still reports the error. */
        ck_assert(emulatedfd_socketReset(p.efd));
        ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLHUP | POLLOUT | POLLERR);
        _pair_free(&p);
    }
}
END_TEST

START_TEST(test_reset) {
    for (int unwritable = 0; unwritable < 2; unwritable++) {
        Pair p = _pair_new();
        emulatedfd_setSocketReadiness(p.efd, unwritable, !unwritable, false, false);
        ck_assert(emulatedfd_socketReset(p.efd));
        ck_assert(!emulatedfd_socketReset(p.efd));
        /* tcp_poll after a reset: everything. */
        ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLHUP | POLLOUT | POLLERR);
        ck_assert(!emulatedfd_setSocketReadiness(p.efd, false, false, false, false));
        ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLHUP | POLLOUT | POLLERR);
        emulatedfd_takeSocketError(p.efd);
        ck_assert_int_eq(_revents(p.a), POLLIN | POLLRDHUP | POLLHUP | POLLOUT);
        _pair_free(&p);
    }
}
END_TEST

Suite* check_emulated_fd_suite(void) {
    Suite* s = suite_create("emulated_fd");
    TCase* tc = tcase_create("socket_placeholder");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_readable_and_writable);
    tcase_add_test(tc, test_arrivals_are_edges);
    tcase_add_test(tc, test_writable_edge);
    tcase_add_test(tc, test_rdhup);
    tcase_add_test(tc, test_hup);
    tcase_add_test(tc, test_reset);
    suite_add_tcase(s, tc);
    return s;
}
