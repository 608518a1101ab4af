/* The graph-facing seam of the host layer: what a host needs to know about the network beyond
 * itself (architecture.md 9). The host layer must not depend on src/main, so the controller
 * installs a backend before the run: the routing table behind a lookup function, and every host's
 * address. Read-only once installed, so any worker may use it without locking.
 *
 * Everything a packet meets between two hosts is looked up here: the path's latency and loss (the
 * graph's shortest paths) and the destination host of an address. */
#ifndef SIM_HOST_NETWORK_H_
#define SIM_HOST_NETWORK_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/event.h"
#include "lib/simtime.h"

/* Latency and loss from node `src` to node `dst`; false if the pair is unknown. */
typedef bool (*NetworkPathFn)(const void* routing, uint32_t src_node, uint32_t dst_node,
                              SimTime* latency, double* loss);

typedef struct {
    NetworkPathFn path;       /* the routing lookup */
    const void* routing;      /* its table (borrowed; must outlive the run) */
    const uint32_t* host_ips;   /* per host id, host byte order (copied) */
    const uint32_t* host_nodes; /* per host id, its graph node (copied) */
    size_t n_hosts;
} NetworkBackend;

/* Installs the backend (copies it and the address list); NULL removes it. Call only while no
 * round runs. */
void network_setBackend(const NetworkBackend* backend);
/* The host with address `ip` (host byte order). */
bool network_lookupHost(uint32_t ip, HostId* out);
/* The path from host `src` to host `dst`. */
bool network_getPath(HostId src, HostId dst, SimTime* latency, double* loss);

#endif
