/* Host addresses and names (compat.md 7): IPv4 assignment and the generated hosts file. */
#ifndef SIM_MAIN_ADDRESSING_H_
#define SIM_MAIN_ADDRESSING_H_

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The first address handed out automatically: 11.0.0.1. */
#define ADDRESSING_FIRST_AUTO_IP ((11u << 24) | 1u)

/* Assigns one address per host, in the hosts' order (hostname order). `fixed[i]` says whether
 * host i has an `ip_addr`, given in `ips[i]` (host byte order), which is kept. The others take the
 * next free address from 11.0.0.1 upward, skipping addresses ending in .0 or .255 and those already
 * taken. Returns 0, -EEXIST if two fixed addresses collide (`*dup_index` = the second host), or
 * -ENOSPC if the address space runs out. */
int addressing_assign(const bool* fixed, uint32_t* ips, size_t n, size_t* dup_index);

/* "a.b.c.d" of a host-byte-order address into `buf` (at least 16 bytes). Returns buf. */
char* addressing_format(uint32_t ip, char* buf);

/* The hosts file content: "127.0.0.1 localhost\n" then "<ip> <name>\n" per host, sorted by address.
 * Caller frees with g_free. */
char* addressing_hostsFile(const char* const* names, const uint32_t* ips, size_t n);

/* Writes `content` to a new anonymous memory file (memfd) and returns its fd, or -errno. */
int addressing_hostsFileToMemfd(const char* content);

#endif
