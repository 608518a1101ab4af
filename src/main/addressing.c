/* IPv4 assignment and the hosts file (compat.md 7).
 *
 * Fixed addresses are registered first; the remaining hosts, in hostname order, take the next free
 * address counting up from 11.0.0.1. Addresses ending in .0 or .255 are never handed out. The hosts
 * file is kept in a memfd that later issues serve to managed processes as /etc/hosts, so that an
 * unmodified glibc getaddrinfo resolves host names. */
#include "main/addressing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int _addressing_compareIp(const void* a, const void* b) {
    uint32_t x = *(const uint32_t*)a;
    uint32_t y = *(const uint32_t*)b;
    return x < y ? -1 : x > y;
}

static bool _addressing_isTaken(GHashTable* taken, uint32_t ip) {
    return g_hash_table_contains(taken, GUINT_TO_POINTER(ip));
}

int addressing_assign(const bool* fixed, uint32_t* ips, size_t n, size_t* dup_index) {
    /* Membership only: nothing here depends on the table's iteration order. */
    GHashTable* taken = g_hash_table_new(g_direct_hash, g_direct_equal);
    int rv = 0;
    for (size_t i = 0; i < n && rv == 0; i++) {
        if (!fixed[i]) {
            continue;
        }
        if (_addressing_isTaken(taken, ips[i])) {
            *dup_index = i;
            rv = -EEXIST;
        }
        g_hash_table_add(taken, GUINT_TO_POINTER(ips[i]));
    }
    uint32_t next = ADDRESSING_FIRST_AUTO_IP;
    for (size_t i = 0; i < n && rv == 0; i++) {
        if (fixed[i]) {
            continue;
        }
        while ((next & 0xff) == 0 || (next & 0xff) == 0xff || _addressing_isTaken(taken, next)) {
            if (next == UINT32_MAX) {
                rv = -ENOSPC;
                break;
            }
            next++;
        }
        if (rv == 0) {
            ips[i] = next;
            g_hash_table_add(taken, GUINT_TO_POINTER(next));
        }
    }
    g_hash_table_destroy(taken);
    return rv;
}

char* addressing_format(uint32_t ip, char* buf) {
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
    return buf;
}

typedef struct {
    uint32_t ip;      /* sort key */
    const char* name; /* borrowed */
} HostsEntry;

static int _addressing_compareEntry(const void* a, const void* b) {
    return _addressing_compareIp(&((const HostsEntry*)a)->ip, &((const HostsEntry*)b)->ip);
}

char* addressing_hostsFile(const char* const* names, const uint32_t* ips, size_t n) {
    HostsEntry* entries = g_new(HostsEntry, n > 0 ? n : 1);
    for (size_t i = 0; i < n; i++) {
        entries[i] = (HostsEntry){.ip = ips[i], .name = names[i]};
    }
    /* Addresses are unique, so the sort is total and qsort's instability cannot show. */
    qsort(entries, n, sizeof(HostsEntry), _addressing_compareEntry);
    GString* out = g_string_new("127.0.0.1 localhost\n");
    char buf[16];
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(out, "%s %s\n", addressing_format(entries[i].ip, buf),
                               entries[i].name);
    }
    g_free(entries);
    return g_string_free(out, FALSE);
}

int addressing_hostsFileToMemfd(const char* content) {
    int fd = memfd_create("umbra-hosts", MFD_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    size_t len = strlen(content);
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, content + done, len - done);
        if (w < 0) {
            int err = errno;
            close(fd);
            return -err;
        }
        done += (size_t)w;
    }
    return fd;
}
