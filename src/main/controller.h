/* The controller owns one simulation: it turns a checked Config into a graph, a routing table,
 * addresses and hosts (controller_new: every check, nothing written), creates the output
 * (controller_createOutput: the data directory and processed-config.yaml) and drives the scheduler
 * to stop_time (controller_run), logging heartbeats and progress between rounds. */
#ifndef SIM_MAIN_CONTROLLER_H_
#define SIM_MAIN_CONTROLLER_H_

#include <glib.h>

#include "host/host.h"
#include "main/config.h"
#include "main/routing.h"

typedef struct _Controller Controller;

/* Checks everything that needs the graph (node ids exist, every host has both bandwidths, routes
 * exist), assigns addresses and creates the hosts. Borrows `config`, which must outlive the
 * controller. NULL with a one-line error (naming file, line, key or host) on failure. Writes
 * nothing to disk. */
Controller* controller_new(const Config* config, GError** error);

/* Creates the data directory (with hosts/<name>/) and writes processed-config.yaml. */
gboolean controller_createOutput(Controller* c, GError** error);

/* Runs the simulation to its end. Returns the number of managed processes that ended in an
 * unexpected final state (0 on success). */
unsigned controller_run(Controller* c);

void controller_free(Controller* c);

/* Borrowed views, for tests and tools. */
Host* controller_getHost(Controller* c, size_t index);
size_t controller_getHostCount(const Controller* c);
const RoutingTable* controller_getRouting(const Controller* c);
SimTime controller_getRunahead(const Controller* c);
unsigned controller_getParallelism(const Controller* c);
const char* controller_getHostsFile(const Controller* c);

/* The number of physical cores in this process's affinity mask (SMT siblings counted once). */
unsigned controller_countPhysicalCores(void);

#endif
