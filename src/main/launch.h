/* Launching the processes of the config (compat.md 1.8): every `path` is resolved like `which`
 * from umbra's PATH and cwd and checked (regular file, execute bit, dynamically linked ELF or a
 * #! script whose interpreter is) before anything runs, so a bad path is bad input: one line,
 * exit 1, nothing left behind. At run time each process is spawned at its start_time and sent its
 * shutdown_signal at its shutdown_time. */
#ifndef SIM_MAIN_LAUNCH_H_
#define SIM_MAIN_LAUNCH_H_

#include <glib.h>

#include "host/host.h"
#include "main/config.h"

typedef struct _Launcher Launcher;

/* Checks and prepares every process of `config` (borrowed; must outlive the launcher). NULL with
 * a one-line error naming the config position, the key and the path on failure. */
Launcher* launcher_new(const Config* config, const char* shim_path, GError** error);
void launcher_free(Launcher* launcher);

/* Schedules the start and shutdown events of the processes of host number `host_index`. */
void launcher_scheduleHost(Launcher* launcher, Host* host, size_t host_index);

/* The shim library: $UMBRA_SHIM_PATH, else libumbra-shim.so next to the umbra binary, else the
 * build tree's. Returns a newly allocated absolute path, or NULL if none exists. */
char* launcher_findShim(void);

#endif
