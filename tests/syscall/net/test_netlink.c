/* AF_NETLINK / NETLINK_ROUTE (issue 5, "hosts on the network"): unmodified glibc getifaddrs,
 * if_nameindex and if_nametoindex; a raw RTM_GETLINK dump parsed by hand (NLM_F_MULTI parts,
 * then NLMSG_DONE; IFLA_IFNAME, IFLA_MTU), one link by index, an RTM_GETADDR dump (IPv4, and an
 * empty AF_INET6 one), NLMSG_ERROR for a type rtnetlink does not know, MSG_PEEK|MSG_TRUNC sizing
 * and truncation, bind/getsockname port ids, poll readability, and the interface ioctls.
 *
 * Natively the machine's interfaces are whatever they are, so only `lo` is checked exactly;
 * under umbra the host has exactly lo (127.0.0.1/8) and eth0 (11.0.0.1/24, the test host's
 * address). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../test_util.h"

static void check_getifaddrs(void) {
    struct ifaddrs* list = NULL;
    ASSERT(getifaddrs(&list) == 0);
    bool lo_inet = false, lo_packet = false, eth0_inet = false;
    int inet_count = 0;
    for (struct ifaddrs* i = list; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL) {
            continue;
        }
        int family = i->ifa_addr->sa_family;
        if (strcmp(i->ifa_name, "lo") == 0 && family == AF_PACKET) {
            lo_packet = true;
            CHECK(i->ifa_flags & IFF_LOOPBACK);
        }
        if (family != AF_INET) {
            continue;
        }
        inet_count++;
        char addr[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in*)i->ifa_addr)->sin_addr, addr, sizeof(addr));
        inet_ntop(AF_INET, &((struct sockaddr_in*)i->ifa_netmask)->sin_addr, mask, sizeof(mask));
        if (strcmp(i->ifa_name, "lo") == 0) {
            lo_inet = true;
            CHECK(strcmp(addr, "127.0.0.1") == 0);
            CHECK(strcmp(mask, "255.0.0.0") == 0);
            CHECK((i->ifa_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) ==
                  (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
        } else if (strcmp(i->ifa_name, "eth0") == 0 && running_in_sim()) {
            eth0_inet = true;
            CHECK(strcmp(addr, "11.0.0.1") == 0);
            CHECK(strcmp(mask, "255.255.255.0") == 0);
            CHECK(i->ifa_broadaddr != NULL);
            if (i->ifa_broadaddr != NULL) {
                char bc[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &((struct sockaddr_in*)i->ifa_broadaddr)->sin_addr, bc,
                          sizeof(bc));
                CHECK(strcmp(bc, "11.0.0.255") == 0);
            }
            CHECK((i->ifa_flags & (IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING)) ==
                  (IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING));
            CHECK(!(i->ifa_flags & IFF_LOOPBACK));
        }
    }
    CHECK(lo_inet);
    CHECK(lo_packet);
    if (running_in_sim()) {
        /* The simulated host has exactly these two (the machine running the test natively has
         * its own set). */
        CHECK(eth0_inet);
        CHECK_EQ_LL(inet_count, 2);
    }
    freeifaddrs(list);
}

static void check_nameindex(void) {
    /* glibc: if_nametoindex asks SIOCGIFINDEX on a datagram socket, if_nameindex dumps links
     * over netlink. */
    unsigned lo = if_nametoindex("lo");
    CHECK(lo != 0);
    CHECK(if_nametoindex("no-such-if0") == 0);
    struct if_nameindex* ni = if_nameindex();
    ASSERT(ni != NULL);
    int n = 0;
    bool seen_lo = false, seen_eth0 = false;
    for (struct if_nameindex* p = ni; p->if_index != 0; p++, n++) {
        if (strcmp(p->if_name, "lo") == 0) {
            seen_lo = true;
            CHECK_EQ_LL(p->if_index, lo);
        }
        if (strcmp(p->if_name, "eth0") == 0) {
            seen_eth0 = true;
            if (running_in_sim()) {
                CHECK_EQ_LL(p->if_index, 2);
            }
        }
    }
    if_freenameindex(ni);
    CHECK(seen_lo);
    char name[IF_NAMESIZE];
    CHECK(if_indextoname(lo, name) != NULL && strcmp(name, "lo") == 0);
    if (running_in_sim()) {
        CHECK_EQ_LL(lo, 1);
        CHECK(seen_eth0);
        CHECK_EQ_LL(n, 2);
        CHECK_EQ_LL(if_nametoindex("eth0"), 2);
    }
}

static int open_route(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    ASSERT(fd >= 0);
    return fd;
}

static void send_request(int fd, uint16_t type, uint16_t flags, uint32_t seq, uint8_t family,
                         int index) {
    struct {
        struct nlmsghdr h;
        struct ifinfomsg ifi;
    } req;
    memset(&req, 0, sizeof(req));
    req.h.nlmsg_len = sizeof(req);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
    req.h.nlmsg_seq = seq;
    req.ifi.ifi_family = family;
    req.ifi.ifi_index = index;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    CHECK_EQ_LL(sendto(fd, &req, sizeof(req), 0, (struct sockaddr*)&kernel, sizeof(kernel)),
                (long long)sizeof(req));
}

/* Receives one datagram, sized first with MSG_PEEK|MSG_TRUNC as glibc does. */
static ssize_t recv_all(int fd, char** out) {
    char small[16];
    ssize_t size = recv(fd, small, sizeof(small), MSG_PEEK | MSG_TRUNC);
    ASSERT(size > 0);
    *out = malloc((size_t)size);
    struct sockaddr_nl from;
    struct iovec iov = {.iov_base = *out, .iov_len = (size_t)size};
    struct msghdr msg = {
        .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(fd, &msg, 0);
    CHECK_EQ_LL(n, size);
    CHECK_EQ_LL(msg.msg_flags & MSG_TRUNC, 0);
    CHECK_EQ_LL(msg.msg_namelen, sizeof(from));
    CHECK_EQ_LL(from.nl_family, AF_NETLINK);
    CHECK_EQ_LL(from.nl_pid, 0); /* from the kernel */
    return n;
}

/* Reads a dump reply: the objects of `type` until NLMSG_DONE; calls `each` for each. */
static int read_dump(int fd, uint32_t seq, uint16_t type, void (*each)(struct nlmsghdr*)) {
    int count = 0;
    for (int guard = 0; guard < 64; guard++) {
        char* buf;
        ssize_t n = recv_all(fd, &buf);
        for (struct nlmsghdr* h = (struct nlmsghdr*)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            CHECK_EQ_LL(h->nlmsg_seq, seq);
            CHECK(h->nlmsg_flags & NLM_F_MULTI);
            if (h->nlmsg_type == NLMSG_DONE) {
                CHECK_EQ_LL(h->nlmsg_len, NLMSG_LENGTH(sizeof(int)));
                free(buf);
                return count;
            }
            CHECK_EQ_LL(h->nlmsg_type, type);
            each(h);
            count++;
        }
        free(buf);
    }
    CHECK(!"no NLMSG_DONE");
    return count;
}

static bool link_lo_seen, link_eth0_seen;

static void each_link(struct nlmsghdr* h) {
    struct ifinfomsg* ifi = NLMSG_DATA(h);
    int len = (int)IFLA_PAYLOAD(h);
    const char* name = NULL;
    int mtu = -1;
    for (struct rtattr* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFLA_IFNAME) {
            name = RTA_DATA(a);
        } else if (a->rta_type == IFLA_MTU) {
            memcpy(&mtu, RTA_DATA(a), sizeof(mtu));
        }
    }
    ASSERT(name != NULL);
    if (strcmp(name, "lo") == 0) {
        link_lo_seen = true;
        CHECK(ifi->ifi_flags & IFF_LOOPBACK);
        CHECK(ifi->ifi_flags & IFF_UP);
        CHECK_EQ_LL(ifi->ifi_type, 772); /* ARPHRD_LOOPBACK */
        CHECK_EQ_LL(mtu, 65536);
        if (running_in_sim()) {
            CHECK_EQ_LL(ifi->ifi_index, 1);
        }
    } else if (strcmp(name, "eth0") == 0) {
        link_eth0_seen = true;
        if (running_in_sim()) {
            CHECK_EQ_LL(ifi->ifi_index, 2);
            CHECK_EQ_LL(mtu, 1500);
            CHECK_EQ_LL(ifi->ifi_flags & (IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING),
                        IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING);
        }
    }
}

static bool addr_lo_seen, addr_eth0_seen;

static void each_addr(struct nlmsghdr* h) {
    struct ifaddrmsg* ifa = NLMSG_DATA(h);
    int len = (int)IFA_PAYLOAD(h);
    CHECK_EQ_LL(ifa->ifa_family, AF_INET);
    char addr[INET_ADDRSTRLEN] = "";
    const char* label = NULL;
    for (struct rtattr* a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFA_LOCAL) {
            inet_ntop(AF_INET, RTA_DATA(a), addr, sizeof(addr));
        } else if (a->rta_type == IFA_LABEL) {
            label = RTA_DATA(a);
        }
    }
    ASSERT(label != NULL);
    if (strcmp(label, "lo") == 0 && strcmp(addr, "127.0.0.1") == 0) {
        addr_lo_seen = true;
        CHECK_EQ_LL(ifa->ifa_prefixlen, 8);
        CHECK_EQ_LL(ifa->ifa_scope, RT_SCOPE_HOST);
    } else if (strcmp(label, "eth0") == 0 && running_in_sim()) {
        addr_eth0_seen = true;
        CHECK(strcmp(addr, "11.0.0.1") == 0);
        CHECK_EQ_LL(ifa->ifa_prefixlen, 24);
        CHECK_EQ_LL(ifa->ifa_index, 2);
    }
}

static void no_addr(struct nlmsghdr* h) {
    (void)h;
    CHECK(!"an AF_INET6 address under umbra");
}

static void check_raw(void) {
    int fd = open_route();
    /* Port ids: 0 until bound; bind with 0 assigns the process's pid to its first socket. */
    struct sockaddr_nl sa;
    socklen_t slen = sizeof(sa);
    CHECK(getsockname(fd, (struct sockaddr*)&sa, &slen) == 0);
    CHECK_EQ_LL(slen, sizeof(sa));
    CHECK_EQ_LL(sa.nl_family, AF_NETLINK);
    CHECK_EQ_LL(sa.nl_pid, 0);
    struct sockaddr_nl any = {.nl_family = AF_NETLINK};
    CHECK(bind(fd, (struct sockaddr*)&any, sizeof(any)) == 0);
    slen = sizeof(sa);
    CHECK(getsockname(fd, (struct sockaddr*)&sa, &slen) == 0);
    CHECK_EQ_LL(sa.nl_pid, getpid());
    /* A second socket cannot take the same id; its autobind picks another. */
    int fd2 = open_route();
    struct sockaddr_nl mine = {.nl_family = AF_NETLINK, .nl_pid = (uint32_t)getpid()};
    CHECK_ERRNO(bind(fd2, (struct sockaddr*)&mine, sizeof(mine)), EADDRINUSE);
    CHECK(bind(fd2, (struct sockaddr*)&any, sizeof(any)) == 0);
    slen = sizeof(sa);
    CHECK(getsockname(fd2, (struct sockaddr*)&sa, &slen) == 0);
    CHECK(sa.nl_pid != 0 && sa.nl_pid != (uint32_t)getpid());
    close(fd2);

    struct pollfd p = {.fd = fd, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 0), 0);
    /* RTM_GETLINK dump. */
    send_request(fd, RTM_GETLINK, NLM_F_DUMP, 7, AF_UNSPEC, 0);
    CHECK_EQ_LL(poll(&p, 1, 0), 1);
    CHECK(p.revents & POLLIN);
    int links = read_dump(fd, 7, RTM_NEWLINK, each_link);
    CHECK(link_lo_seen);
    if (running_in_sim()) {
        CHECK_EQ_LL(links, 2);
        CHECK(link_eth0_seen);
    }
    CHECK_EQ_LL(poll(&p, 1, 0), 0);
    CHECK_ERRNO(recv(fd, &p, sizeof(p), MSG_DONTWAIT), EAGAIN);

    /* One link by index: a single message, not multipart. */
    unsigned lo = if_nametoindex("lo");
    send_request(fd, RTM_GETLINK, 0, 8, AF_UNSPEC, (int)lo);
    char* buf;
    ssize_t n = recv_all(fd, &buf);
    struct nlmsghdr* h = (struct nlmsghdr*)buf;
    CHECK(NLMSG_OK(h, (size_t)n));
    CHECK_EQ_LL(h->nlmsg_type, RTM_NEWLINK);
    CHECK_EQ_LL(h->nlmsg_flags & NLM_F_MULTI, 0);
    CHECK_EQ_LL(((struct ifinfomsg*)NLMSG_DATA(h))->ifi_index, lo);
    free(buf);
    CHECK_ERRNO(recv(fd, &p, sizeof(p), MSG_DONTWAIT), EAGAIN);

    /* A missing index: NLMSG_ERROR with ENODEV. */
    send_request(fd, RTM_GETLINK, 0, 9, AF_UNSPEC, 99999);
    n = recv_all(fd, &buf);
    h = (struct nlmsghdr*)buf;
    CHECK_EQ_LL(h->nlmsg_type, NLMSG_ERROR);
    CHECK_EQ_LL(((struct nlmsgerr*)NLMSG_DATA(h))->error, -ENODEV);
    CHECK_EQ_LL(((struct nlmsgerr*)NLMSG_DATA(h))->msg.nlmsg_seq, 9);
    free(buf);

    /* RTM_GETADDR dump, IPv4. */
    send_request(fd, RTM_GETADDR, NLM_F_DUMP, 10, AF_INET, 0);
    int addrs = read_dump(fd, 10, RTM_NEWADDR, each_addr);
    CHECK(addr_lo_seen);
    if (running_in_sim()) {
        CHECK_EQ_LL(addrs, 2);
        CHECK(addr_eth0_seen);
        /* No IPv6 under umbra: an AF_INET6 dump is only NLMSG_DONE (the machine has some). */
        send_request(fd, RTM_GETADDR, NLM_F_DUMP, 11, AF_INET6, 0);
        CHECK_EQ_LL(read_dump(fd, 11, RTM_NEWADDR, no_addr), 0);
    }

    /* A type rtnetlink does not know: NLMSG_ERROR EOPNOTSUPP quoting the request. */
    send_request(fd, RTM_MAX + 1, 0, 12, AF_UNSPEC, 0);
    n = recv_all(fd, &buf);
    h = (struct nlmsghdr*)buf;
    CHECK_EQ_LL(h->nlmsg_type, NLMSG_ERROR);
    struct nlmsgerr* err = NLMSG_DATA(h);
    CHECK_EQ_LL(err->error, -EOPNOTSUPP);
    CHECK_EQ_LL(err->msg.nlmsg_type, RTM_MAX + 1);
    CHECK_EQ_LL(err->msg.nlmsg_seq, 12);
    free(buf);

    /* Truncation: a short buffer gets the head of the datagram; the rest is gone. */
    send_request(fd, RTM_GETLINK, NLM_F_DUMP, 13, AF_UNSPEC, 0);
    char small[20];
    struct iovec iov = {.iov_base = small, .iov_len = sizeof(small)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t peek = recv(fd, small, 1, MSG_PEEK | MSG_TRUNC);
    CHECK(peek > (ssize_t)sizeof(small));
    CHECK_EQ_LL(recvmsg(fd, &msg, 0), sizeof(small));
    CHECK(msg.msg_flags & MSG_TRUNC);
    CHECK_EQ_LL(((struct nlmsghdr*)small)->nlmsg_type, RTM_NEWLINK);
    /* Whatever part is left, the dump ends with NLMSG_DONE. */
    bool done = false;
    for (int guard = 0; guard < 64 && !done; guard++) {
        n = recv_all(fd, &buf);
        for (h = (struct nlmsghdr*)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            done = done || h->nlmsg_type == NLMSG_DONE;
        }
        free(buf);
    }
    CHECK(done);

    /* Options Linux takes; an unknown family of socket. */
    int size = 32768;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == 0);
    CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) == 0);
    int one = 1;
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) == 0);
    /* The interface ioctls work on any socket, netlink's too; FIONREAD does not. */
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    strcpy(r.ifr_name, "lo");
    CHECK(ioctl(fd, SIOCGIFINDEX, &r) == 0);
    CHECK_EQ_LL(r.ifr_ifindex, lo);
    int avail;
    CHECK_ERRNO(ioctl(fd, FIONREAD, &avail), ENOTTY);
    int type = 0;
    socklen_t tlen = sizeof(type);
    CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0);
    CHECK_EQ_LL(type, SOCK_RAW);
    tlen = sizeof(type);
    CHECK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &type, &tlen) == 0);
    CHECK_EQ_LL(type, NETLINK_ROUTE);
    CHECK(close(fd) == 0);
    CHECK_ERRNO(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE), ESOCKTNOSUPPORT);
    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK, NETLINK_ROUTE);
    CHECK(fd >= 0);
    CHECK_ERRNO(recv(fd, small, sizeof(small), 0), EAGAIN);
    close(fd);
}

static void check_ioctls(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT(fd >= 0);
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    strcpy(r.ifr_name, "lo");
    CHECK(ioctl(fd, SIOCGIFFLAGS, &r) == 0);
    CHECK(r.ifr_flags & IFF_LOOPBACK);
    CHECK(r.ifr_flags & IFF_UP);
    CHECK(ioctl(fd, SIOCGIFMTU, &r) == 0);
    CHECK_EQ_LL(r.ifr_mtu, 65536);
    CHECK(ioctl(fd, SIOCGIFADDR, &r) == 0);
    CHECK_EQ_LL(ntohl(((struct sockaddr_in*)&r.ifr_addr)->sin_addr.s_addr), 0x7f000001);
    CHECK(ioctl(fd, SIOCGIFINDEX, &r) == 0);
    int lo = r.ifr_ifindex;
    memset(&r, 0, sizeof(r));
    r.ifr_ifindex = lo;
    CHECK(ioctl(fd, SIOCGIFNAME, &r) == 0);
    CHECK(strcmp(r.ifr_name, "lo") == 0);
    strcpy(r.ifr_name, "no-such-if0");
    CHECK_ERRNO(ioctl(fd, SIOCGIFINDEX, &r), ENODEV);
    if (running_in_sim()) {
        strcpy(r.ifr_name, "eth0");
        CHECK(ioctl(fd, SIOCGIFHWADDR, &r) == 0);
        static const unsigned char mac[6] = {0x02, 0x00, 0x0b, 0x00, 0x00, 0x01};
        CHECK(memcmp(r.ifr_hwaddr.sa_data, mac, 6) == 0);
        struct ifreq list[8];
        struct ifconf ifc = {.ifc_len = sizeof(list), .ifc_req = list};
        CHECK(ioctl(fd, SIOCGIFCONF, &ifc) == 0);
        CHECK_EQ_LL(ifc.ifc_len, 2 * sizeof(struct ifreq));
        CHECK(strcmp(list[1].ifr_name, "eth0") == 0);
    }
    close(fd);
}

int main(void) {
    check_getifaddrs();
    check_nameindex();
    check_raw();
    check_ioctls();
    test_done();
    return 0;
}
