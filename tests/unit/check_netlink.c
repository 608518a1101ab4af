/* The NETLINK_ROUTE answers (host/netlink.h): a link dump is one datagram with lo and eth0
 * (NLM_F_MULTI, the request's sequence number, the sender's port id) and one with NLMSG_DONE;
 * an address dump likewise, empty for AF_INET6; one link by index or by name, ENODEV for an
 * unknown one; EOPNOTSUPP for an unknown type or a non-dump RTM_GETADDR, EPERM for a change;
 * nothing for a message too short or a control message; eth0's MAC. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "host/netlink.h"

#define HOST_IP 0x0b000001u /* 11.0.0.1 */

static GPtrArray* _ask(uint16_t type, uint16_t flags, uint8_t family, int index, size_t len) {
    struct {
        struct nlmsghdr h;
        struct ifinfomsg ifi;
        struct rtattr a;
        char name[8];
    } req;
    memset(&req, 0, sizeof(req));
    req.h.nlmsg_len = (uint32_t)len;
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
    req.h.nlmsg_seq = 42;
    req.ifi.ifi_family = family;
    req.ifi.ifi_index = index;
    req.a.rta_len = RTA_LENGTH(5);
    req.a.rta_type = IFLA_IFNAME;
    memcpy(req.name, "eth0", 5);
    GPtrArray* out = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
    netlink_handleRequest((const uint8_t*)&req, len, 777, HOST_IP, out);
    return out;
}

#define FULL (NLMSG_LENGTH(sizeof(struct ifinfomsg)))

/* The messages of datagram `b`: their count; types and flags into the arrays. */
static int _messages(GByteArray* b, uint16_t* types, uint16_t* flags, int max) {
    int n = 0;
    int len = (int)b->len;
    for (struct nlmsghdr* h = (struct nlmsghdr*)b->data; NLMSG_OK(h, (unsigned)len);
         h = NLMSG_NEXT(h, len)) {
        ck_assert_int_eq(h->nlmsg_seq, 42);
        ck_assert_int_eq(h->nlmsg_pid, 777);
        if (n < max) {
            types[n] = h->nlmsg_type;
            flags[n] = h->nlmsg_flags;
        }
        n++;
    }
    ck_assert_int_eq(len, 0); /* the datagram is exactly its messages */
    return n;
}

static int _error(GByteArray* b) {
    struct nlmsghdr* h = (struct nlmsghdr*)b->data;
    ck_assert_int_eq(h->nlmsg_type, NLMSG_ERROR);
    return ((struct nlmsgerr*)NLMSG_DATA(h))->error;
}

START_TEST(test_link_dump) {
    GPtrArray* r = _ask(RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC, 0, FULL);
    ck_assert_int_eq(r->len, 2);
    uint16_t types[4], flags[4];
    ck_assert_int_eq(_messages(g_ptr_array_index(r, 0), types, flags, 4), 2);
    ck_assert_int_eq(types[0], RTM_NEWLINK);
    ck_assert_int_eq(types[1], RTM_NEWLINK);
    ck_assert_int_eq(flags[0], NLM_F_MULTI);
    ck_assert_int_eq(_messages(g_ptr_array_index(r, 1), types, flags, 4), 1);
    ck_assert_int_eq(types[0], NLMSG_DONE);
    ck_assert_int_eq(flags[0], NLM_F_MULTI);
    /* The second link is eth0, index 2, with the MAC. */
    GByteArray* b = g_ptr_array_index(r, 0);
    struct nlmsghdr* h = (struct nlmsghdr*)b->data;
    h = (struct nlmsghdr*)((char*)h + NLMSG_ALIGN(h->nlmsg_len));
    struct ifinfomsg* ifi = NLMSG_DATA(h);
    ck_assert_int_eq(ifi->ifi_index, 2);
    int len = (int)IFLA_PAYLOAD(h);
    bool mac_seen = false, name_seen = false;
    for (struct rtattr* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFLA_ADDRESS) {
            static const uint8_t mac[6] = {2, 0, 11, 0, 0, 1};
            ck_assert_int_eq(RTA_PAYLOAD(a), 6);
            ck_assert(memcmp(RTA_DATA(a), mac, 6) == 0);
            mac_seen = true;
        } else if (a->rta_type == IFLA_IFNAME) {
            ck_assert_str_eq(RTA_DATA(a), "eth0");
            name_seen = true;
        }
    }
    ck_assert(mac_seen && name_seen);
    g_ptr_array_free(r, TRUE);
}
END_TEST

START_TEST(test_addr_dump) {
    GPtrArray* r = _ask(RTM_GETADDR, NLM_F_DUMP, AF_INET, 0, FULL);
    ck_assert_int_eq(r->len, 2);
    uint16_t types[4], flags[4];
    ck_assert_int_eq(_messages(g_ptr_array_index(r, 0), types, flags, 4), 2);
    ck_assert_int_eq(types[1], RTM_NEWADDR);
    GByteArray* b = g_ptr_array_index(r, 0);
    struct nlmsghdr* h = (struct nlmsghdr*)b->data;
    struct ifaddrmsg* ifa = NLMSG_DATA(h);
    ck_assert_int_eq(ifa->ifa_prefixlen, 8);
    ck_assert_int_eq(ifa->ifa_index, 1);
    g_ptr_array_free(r, TRUE);
    /* AF_INET6: only NLMSG_DONE; AF_UNSPEC: the IPv4 ones. */
    r = _ask(RTM_GETADDR, NLM_F_DUMP, AF_INET6, 0, FULL);
    ck_assert_int_eq(r->len, 1);
    ck_assert_int_eq(_messages(g_ptr_array_index(r, 0), types, flags, 4), 1);
    ck_assert_int_eq(types[0], NLMSG_DONE);
    g_ptr_array_free(r, TRUE);
    r = _ask(RTM_GETADDR, NLM_F_DUMP, AF_UNSPEC, 0, FULL);
    ck_assert_int_eq(r->len, 2);
    g_ptr_array_free(r, TRUE);
}
END_TEST

START_TEST(test_single_and_errors) {
    uint16_t types[4], flags[4];
    GPtrArray* r = _ask(RTM_GETLINK, 0, AF_UNSPEC, 1, FULL);
    ck_assert_int_eq(r->len, 1);
    ck_assert_int_eq(_messages(g_ptr_array_index(r, 0), types, flags, 4), 1);
    ck_assert_int_eq(types[0], RTM_NEWLINK);
    ck_assert_int_eq(flags[0], 0);
    g_ptr_array_free(r, TRUE);
    /* By name (index 0, IFLA_IFNAME "eth0"), with an acknowledgement. */
    r = _ask(RTM_GETLINK, NLM_F_ACK, AF_UNSPEC, 0, FULL + RTA_LENGTH(8));
    ck_assert_int_eq(r->len, 2);
    GByteArray* b = g_ptr_array_index(r, 0);
    ck_assert_int_eq(((struct ifinfomsg*)NLMSG_DATA((struct nlmsghdr*)b->data))->ifi_index, 2);
    ck_assert_int_eq(_error(g_ptr_array_index(r, 1)), 0);
    g_ptr_array_free(r, TRUE);
    r = _ask(RTM_GETLINK, 0, AF_UNSPEC, 3, FULL);
    ck_assert_int_eq(r->len, 1);
    ck_assert_int_eq(_error(g_ptr_array_index(r, 0)), -ENODEV);
    /* The error quotes the whole request. */
    ck_assert_int_eq(((GByteArray*)g_ptr_array_index(r, 0))->len,
                     NLMSG_LENGTH(sizeof(struct nlmsgerr) - sizeof(struct nlmsghdr)) + FULL);
    g_ptr_array_free(r, TRUE);
    r = _ask(RTM_MAX + 1, 0, AF_UNSPEC, 0, FULL);
    ck_assert_int_eq(_error(g_ptr_array_index(r, 0)), -EOPNOTSUPP);
    g_ptr_array_free(r, TRUE);
    r = _ask(RTM_GETADDR, 0, AF_INET, 0, FULL);
    ck_assert_int_eq(_error(g_ptr_array_index(r, 0)), -EOPNOTSUPP);
    g_ptr_array_free(r, TRUE);
    r = _ask(RTM_GETROUTE, NLM_F_DUMP, AF_INET, 0, FULL);
    ck_assert_int_eq(_error(g_ptr_array_index(r, 0)), -EOPNOTSUPP);
    g_ptr_array_free(r, TRUE);
    r = _ask(RTM_NEWADDR, 0, AF_INET, 0, FULL);
    ck_assert_int_eq(_error(g_ptr_array_index(r, 0)), -EPERM);
    g_ptr_array_free(r, TRUE);
    /* Ignored: no family byte; a control message without NLM_F_ACK; a length past the end. */
    r = _ask(RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC, 0, NLMSG_HDRLEN);
    ck_assert_int_eq(r->len, 0);
    g_ptr_array_free(r, TRUE);
    r = _ask(NLMSG_NOOP, 0, AF_UNSPEC, 0, FULL);
    ck_assert_int_eq(r->len, 0);
    g_ptr_array_free(r, TRUE);
    GPtrArray* out = g_ptr_array_new();
    struct nlmsghdr h = {.nlmsg_len = 100, .nlmsg_type = RTM_GETLINK};
    netlink_handleRequest((const uint8_t*)&h, sizeof(h), 1, HOST_IP, out);
    ck_assert_int_eq(out->len, 0);
    g_ptr_array_free(out, TRUE);
}
END_TEST

START_TEST(test_names) {
    ck_assert_int_eq(netlink_ifIndex("lo"), 1);
    ck_assert_int_eq(netlink_ifIndex("eth0"), 2);
    ck_assert_int_eq(netlink_ifIndex("eth1"), 0);
    ck_assert_str_eq(netlink_ifName(2), "eth0");
    ck_assert_ptr_null(netlink_ifName(3));
    ck_assert_ptr_null(netlink_ifName(0));
    uint8_t mac[6];
    netlink_mac(0xc0a80a14u, mac); /* 192.168.10.20 */
    static const uint8_t want[6] = {2, 0, 192, 168, 10, 20};
    ck_assert(memcmp(mac, want, 6) == 0);
}
END_TEST

Suite* check_netlink_suite(void) {
    Suite* s = suite_create("check_netlink");
    TCase* tc = tcase_create("netlink");
    tcase_add_test(tc, test_link_dump);
    tcase_add_test(tc, test_addr_dump);
    tcase_add_test(tc, test_single_and_errors);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}
