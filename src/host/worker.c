/* Thread-local execution context of host code and cross-host event delivery.
 *
 * Invariants: the thread-local state describes the host this thread is running, and is cleared
 * when host_execute returns; the registry is written only while no worker runs. */
#include "host/worker.h"

#include "host/engine_debug.h"
#include "host/host.h"

/* Registry installed by the scheduler: hosts indexed by id. Read-only while workers run. */
static Host** _worker_hosts = NULL;
static size_t _worker_n_hosts = 0;

/* Per-thread state of the host being run. */
static __thread Host* _worker_host = NULL;
static __thread const Event* _worker_event = NULL;
static __thread SimTime _worker_time = SIMTIME_INVALID;
static __thread SimTime _worker_window_end = 0;
static __thread SimTime _worker_min_delivery = SIMTIME_INVALID;

Host* worker_getCurrentHost(void) {
    return _worker_host;
}

SimTime worker_getCurrentTime(void) {
    return _worker_time;
}

const Event* worker_getCurrentEvent(void) {
    return _worker_event;
}

void worker_setHostRegistry(Host** hosts, size_t n_hosts) {
    _worker_hosts = hosts;
    _worker_n_hosts = hosts == NULL ? 0 : n_hosts;
}

size_t worker_getHostCount(void) {
    return _worker_n_hosts;
}

void worker_beginHost(Host* host, SimTime window_end) {
    ENGINE_ASSERT(_worker_host == NULL);
    _worker_host = host;
    _worker_window_end = window_end;
}

void worker_endHost(void) {
    _worker_host = NULL;
    _worker_event = NULL;
    _worker_time = SIMTIME_INVALID;
    _worker_window_end = 0;
}

void worker_setCurrentEvent(const Event* event) {
    _worker_event = event;
    _worker_time = event == NULL ? SIMTIME_INVALID : event_getTime(event);
}

SimTime worker_takeMinDeliveryTime(void) {
    SimTime min = _worker_min_delivery;
    _worker_min_delivery = SIMTIME_INVALID;
    return min;
}

/* The delivery seam: hands `event` to its destination host. Today every host is in this process;
 * a distributed backend would route events for remote ranks here. */
static void _worker_deliverEvent(Event* event) {
    HostId dst = event_getDestinationHostId(event);
    host_pushRemoteEvent(_worker_hosts[dst], event);
}

bool worker_sendRemoteEvent(Host* src, HostId dst, Task* task, SimTime arrival) {
    ENGINE_ASSERT(src != NULL && task != NULL);
    ENGINE_ASSERT(_worker_hosts != NULL && dst < _worker_n_hosts);
    /* Conservative synchronization: nothing may land inside the running window. Outside a round
     * the window end is 0 and the arrival time stands. */
    SimTime time = arrival > _worker_window_end ? arrival : _worker_window_end;
    if (time >= host_getStopTime(_worker_hosts[dst])) {
        return false;
    }
    Event* event = event_new(time, EVENT_KIND_PACKET, host_getId(src), host_takeSequence(src), dst,
                             task);
    _worker_deliverEvent(event);
    if (time < _worker_min_delivery) {
        _worker_min_delivery = time;
    }
    return true;
}
