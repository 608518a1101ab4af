/* The graph-facing seam: see network.h. */
#include "host/network.h"

#include <glib.h>
#include <stdlib.h>

typedef struct {
    uint32_t ip;
    HostId id;
} NetworkAddress;

static NetworkPathFn _network_path;
static const void* _network_routing;
static NetworkAddress* _network_addresses; /* sorted by ip */
static size_t _network_n;
static uint32_t* _network_nodes; /* per host id */

static int _network_compare(const void* a, const void* b) {
    uint32_t x = ((const NetworkAddress*)a)->ip, y = ((const NetworkAddress*)b)->ip;
    return x < y ? -1 : x > y;
}

void network_setBackend(const NetworkBackend* backend) {
    g_free(_network_addresses);
    _network_addresses = NULL;
    g_free(_network_nodes);
    _network_nodes = NULL;
    _network_n = 0;
    _network_path = NULL;
    _network_routing = NULL;
    if (backend == NULL) {
        return;
    }
    _network_path = backend->path;
    _network_routing = backend->routing;
    _network_addresses = g_new0(NetworkAddress, backend->n_hosts + 1);
    for (size_t i = 0; i < backend->n_hosts; i++) {
        _network_addresses[i] = (NetworkAddress){backend->host_ips[i], (HostId)i};
    }
    _network_nodes = g_memdup2(backend->host_nodes, sizeof(uint32_t) * backend->n_hosts);
    _network_n = backend->n_hosts;
    qsort(_network_addresses, _network_n, sizeof(NetworkAddress), _network_compare);
}

bool network_lookupHost(uint32_t ip, HostId* out) {
    NetworkAddress key = {.ip = ip};
    const NetworkAddress* found =
        _network_n == 0 ? NULL
                        : bsearch(&key, _network_addresses, _network_n, sizeof(NetworkAddress),
                                  _network_compare);
    if (found == NULL) {
        return false;
    }
    *out = found->id;
    return true;
}

bool network_getPath(HostId src, HostId dst, SimTime* latency, double* loss) {
    return _network_path != NULL && src < _network_n && dst < _network_n &&
           _network_path(_network_routing, _network_nodes[src], _network_nodes[dst], latency,
                         loss);
}
