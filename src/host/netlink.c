/* NETLINK_ROUTE answers (netlink.h), after Linux's rtnetlink.c, devinet.c and af_netlink.c. */
#include "host/netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h, which clashes with net/if.h */
#endif
#define ARPHRD_ETHER 1
#define IF_OPER_UNKNOWN 0 /* linux/if.h */
#define IF_OPER_UP 6
#define ARPHRD_LOOPBACK 772

#include "host/netstack.h"

#define NL_ALIGN4(n) (((n) + 3u) & ~3u)

static const char* const _names[] = {NULL, "lo", "eth0"};

int netlink_ifIndex(const char* name) {
    for (int i = NETLINK_IF_LO; i <= NETLINK_IF_ETH0; i++) {
        if (name != NULL && strcmp(name, _names[i]) == 0) {
            return i;
        }
    }
    return 0;
}

const char* netlink_ifName(int index) {
    return index >= NETLINK_IF_LO && index <= NETLINK_IF_ETH0 ? _names[index] : NULL;
}

void netlink_mac(uint32_t host_ip, uint8_t mac[6]) {
    mac[0] = 0x02; /* locally administered, unicast */
    mac[1] = 0x00;
    mac[2] = (uint8_t)(host_ip >> 24);
    mac[3] = (uint8_t)(host_ip >> 16);
    mac[4] = (uint8_t)(host_ip >> 8);
    mac[5] = (uint8_t)host_ip;
}

/* Starts a message in `b`; returns its offset (the length is set by _end). */
static size_t _begin(GByteArray* b, uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid) {
    size_t off = b->len;
    struct nlmsghdr h = {.nlmsg_len = 0,
                         .nlmsg_type = type,
                         .nlmsg_flags = flags,
                         .nlmsg_seq = seq,
                         .nlmsg_pid = portid};
    g_byte_array_append(b, (const guint8*)&h, sizeof(h));
    return off;
}

static void _put(GByteArray* b, const void* data, size_t len) {
    static const uint8_t zeros[4];
    g_byte_array_append(b, data, (guint)len);
    g_byte_array_append(b, zeros, (guint)(NL_ALIGN4(len) - len));
}

static void _attr(GByteArray* b, uint16_t type, const void* data, size_t len) {
    struct rtattr a = {.rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type};
    g_byte_array_append(b, (const guint8*)&a, sizeof(a));
    _put(b, data, len);
}

static void _attrU32(GByteArray* b, uint16_t type, uint32_t v) {
    _attr(b, type, &v, sizeof(v));
}

static void _end(GByteArray* b, size_t off) {
    uint32_t len = (uint32_t)(b->len - off);
    memcpy(b->data + off, &len, sizeof(len));
}

/* One RTM_NEWLINK for interface `index`. */
static void _link(GByteArray* b, int index, uint16_t flags, uint32_t seq, uint32_t portid,
                  uint32_t host_ip) {
    bool lo = index == NETLINK_IF_LO;
    size_t off = _begin(b, RTM_NEWLINK, flags, seq, portid);
    struct ifinfomsg ifi = {
        .ifi_family = AF_UNSPEC,
        .ifi_type = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER,
        .ifi_index = index,
        .ifi_flags = lo ? (IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP)
                        : (IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP),
        .ifi_change = 0,
    };
    _put(b, &ifi, sizeof(ifi));
    const char* name = _names[index];
    _attr(b, IFLA_IFNAME, name, strlen(name) + 1);
    _attrU32(b, IFLA_TXQLEN, 1000);
    uint8_t oper = lo ? IF_OPER_UNKNOWN : IF_OPER_UP; /* as Linux shows them */
    _attr(b, IFLA_OPERSTATE, &oper, 1);
    uint8_t mode = 0;
    _attr(b, IFLA_LINKMODE, &mode, 1);
    _attrU32(b, IFLA_MTU, lo ? 65536 : 1500);
    _attrU32(b, IFLA_GROUP, 0);
    _attrU32(b, IFLA_NUM_TX_QUEUES, 1);
    _attrU32(b, IFLA_NUM_RX_QUEUES, 1);
    uint8_t carrier = 1;
    _attr(b, IFLA_CARRIER, &carrier, 1);
    const char* qdisc = lo ? "noqueue" : "fq_codel";
    _attr(b, IFLA_QDISC, qdisc, strlen(qdisc) + 1);
    uint8_t mac[6] = {0}, bcast[6] = {0};
    if (!lo) {
        netlink_mac(host_ip, mac);
        memset(bcast, 0xff, sizeof(bcast));
    }
    _attr(b, IFLA_ADDRESS, mac, sizeof(mac));
    _attr(b, IFLA_BROADCAST, bcast, sizeof(bcast));
    _end(b, off);
}

/* One RTM_NEWADDR (IPv4) for interface `index`. */
static void _addr(GByteArray* b, int index, uint16_t flags, uint32_t seq, uint32_t portid,
                  uint32_t host_ip) {
    bool lo = index == NETLINK_IF_LO;
    size_t off = _begin(b, RTM_NEWADDR, flags, seq, portid);
    struct ifaddrmsg ifa = {
        .ifa_family = AF_INET,
        .ifa_prefixlen = lo ? 8 : 24,
        .ifa_flags = IFA_F_PERMANENT,
        .ifa_scope = lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE,
        .ifa_index = (uint32_t)index,
    };
    _put(b, &ifa, sizeof(ifa));
    uint32_t ip = htonl(lo ? NET_LOOPBACK_IP : host_ip);
    _attr(b, IFA_ADDRESS, &ip, 4);
    _attr(b, IFA_LOCAL, &ip, 4);
    if (!lo) {
        uint32_t bc = htonl(host_ip | 0xffu);
        _attr(b, IFA_BROADCAST, &bc, 4);
    }
    const char* name = _names[index];
    _attr(b, IFA_LABEL, name, strlen(name) + 1);
    _attrU32(b, IFA_FLAGS, IFA_F_PERMANENT);
    /* Lifetimes: forever (INFINITY_LIFE_TIME), as for a static address; no timestamps. */
    struct ifa_cacheinfo ci = {.ifa_prefered = 0xffffffffu, .ifa_valid = 0xffffffffu};
    _attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
    _end(b, off);
}

/* NLMSG_ERROR (error 0: an acknowledgement) for request `h`: the request's header, and with an
 * error its whole message, as Linux's netlink_ack without NETLINK_CAP_ACK. */
static GByteArray* _error(const struct nlmsghdr* h, int error, uint32_t portid) {
    GByteArray* b = g_byte_array_new();
    size_t off = _begin(b, NLMSG_ERROR, 0, h->nlmsg_seq, portid);
    int32_t e = error;
    g_byte_array_append(b, (const guint8*)&e, sizeof(e));
    _put(b, h, error != 0 ? h->nlmsg_len : sizeof(*h));
    _end(b, off);
    return b;
}

static GByteArray* _done(uint32_t seq, uint32_t portid) {
    GByteArray* b = g_byte_array_new();
    size_t off = _begin(b, NLMSG_DONE, NLM_F_MULTI, seq, portid);
    int32_t zero = 0;
    g_byte_array_append(b, (const guint8*)&zero, sizeof(zero));
    _end(b, off);
    return b;
}

/* The interface a non-dump RTM_GETLINK names: by index, else by IFLA_IFNAME; 0 with *err. */
static int _requestedLink(const struct nlmsghdr* h, int* err) {
    size_t payload = h->nlmsg_len - NLMSG_HDRLEN;
    if (payload < sizeof(struct ifinfomsg)) {
        *err = -EINVAL;
        return 0;
    }
    const struct ifinfomsg* ifi = NLMSG_DATA(h);
    if (ifi->ifi_index != 0) {
        *err = -ENODEV;
        return netlink_ifName(ifi->ifi_index) != NULL ? ifi->ifi_index : 0;
    }
    const uint8_t* p = (const uint8_t*)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(*ifi));
    size_t left = payload - NLMSG_ALIGN(sizeof(*ifi));
    while (left >= sizeof(struct rtattr)) {
        const struct rtattr* a = (const struct rtattr*)p;
        if (a->rta_len < sizeof(*a) || a->rta_len > left) {
            break;
        }
        if (a->rta_type == IFLA_IFNAME) {
            char name[IFNAMSIZ] = {0};
            size_t n = a->rta_len - sizeof(*a);
            memcpy(name, RTA_DATA(a), n < sizeof(name) - 1 ? n : sizeof(name) - 1);
            *err = -ENODEV;
            return netlink_ifIndex(name);
        }
        size_t step = RTA_ALIGN(a->rta_len);
        if (step >= left) {
            break;
        }
        p += step;
        left -= step;
    }
    *err = -EINVAL; /* neither an index nor a name */
    return 0;
}

/* One request message. */
static void _handle(const struct nlmsghdr* h, uint32_t portid, uint32_t host_ip,
                    GPtrArray* replies) {
    if (h->nlmsg_type < NLMSG_MIN_TYPE) {
        if (h->nlmsg_flags & NLM_F_ACK) {
            g_ptr_array_add(replies, _error(h, 0, portid)); /* control messages: acked only */
        }
        return;
    }
    if (h->nlmsg_type > RTM_MAX) {
        g_ptr_array_add(replies, _error(h, -EOPNOTSUPP, portid));
        return;
    }
    int kind = (h->nlmsg_type - RTM_BASE) & 3; /* 0 new, 1 del, 2 get, 3 set */
    if (kind != 2) {
        /* A process under umbra has no CAP_NET_ADMIN over the simulated network. */
        g_ptr_array_add(replies, _error(h, -EPERM, portid));
        return;
    }
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtgenmsg))) {
        return; /* Linux ignores it */
    }
    uint8_t family = *(const uint8_t*)NLMSG_DATA(h);
    bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (h->nlmsg_type == RTM_GETLINK && dump) {
        GByteArray* b = g_byte_array_new();
        _link(b, NETLINK_IF_LO, NLM_F_MULTI, h->nlmsg_seq, portid, host_ip);
        _link(b, NETLINK_IF_ETH0, NLM_F_MULTI, h->nlmsg_seq, portid, host_ip);
        g_ptr_array_add(replies, b);
        g_ptr_array_add(replies, _done(h->nlmsg_seq, portid));
        return;
    }
    if (h->nlmsg_type == RTM_GETLINK) {
        int err = 0;
        int index = _requestedLink(h, &err);
        if (index == 0) {
            g_ptr_array_add(replies, _error(h, err, portid));
            return;
        }
        GByteArray* b = g_byte_array_new();
        _link(b, index, 0, h->nlmsg_seq, portid, host_ip);
        g_ptr_array_add(replies, b);
        if (h->nlmsg_flags & NLM_F_ACK) {
            g_ptr_array_add(replies, _error(h, 0, portid));
        }
        return;
    }
    if (h->nlmsg_type == RTM_GETADDR && dump) {
        /* AF_INET6 has no addresses (no IPv6 yet): only NLMSG_DONE, as Linux with none. Any other
         * family (AF_UNSPEC dumps every family) gives the IPv4 ones. */
        if (family != AF_INET6) {
            GByteArray* b = g_byte_array_new();
            _addr(b, NETLINK_IF_LO, NLM_F_MULTI, h->nlmsg_seq, portid, host_ip);
            _addr(b, NETLINK_IF_ETH0, NLM_F_MULTI, h->nlmsg_seq, portid, host_ip);
            g_ptr_array_add(replies, b);
        }
        g_ptr_array_add(replies, _done(h->nlmsg_seq, portid));
        return;
    }
    /* A non-dump RTM_GETADDR has no handler in Linux either; other tables (routes, neighbours,
     * rules, ...) are not emulated. */
    g_ptr_array_add(replies, _error(h, -EOPNOTSUPP, portid));
}

void netlink_handleRequest(const uint8_t* req, size_t len, uint32_t portid, uint32_t host_ip,
                           GPtrArray* replies) {
    size_t off = 0;
    while (len - off >= NLMSG_HDRLEN) {
        struct nlmsghdr h;
        memcpy(&h, req + off, sizeof(h));
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off) {
            return; /* as netlink_rcv_skb: the rest is dropped */
        }
        /* Aligned copy of the whole message. */
        struct nlmsghdr* m = g_malloc(NLMSG_ALIGN(h.nlmsg_len) + 4);
        memcpy(m, req + off, h.nlmsg_len);
        _handle(m, portid, host_ip, replies);
        g_free(m);
        size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step >= len - off) {
            return;
        }
        off += step;
    }
}
