/* Orphaned shared-memory cleanup. A file belongs to a dead umbra when the pid in its name does not
 * exist (kill(pid, 0) gives ESRCH); files of live umbra processes, and names that do not parse, are
 * left alone. */
#include "main/shm_cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/shm_names.h"

int shm_cleanupOrphans(const char* dir) {
    DIR* d = opendir(dir);
    if (d == NULL) {
        return -errno;
    }
    int removed = 0;
    size_t prefix_len = strlen(UMBRA_SHM_PREFIX);
    for (struct dirent* e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, UMBRA_SHM_PREFIX, prefix_len) != 0) {
            continue;
        }
        char* end = NULL;
        long pid = strtol(e->d_name + prefix_len, &end, 10);
        if (end == e->d_name + prefix_len || *end != '_' || pid <= 0) {
            continue;
        }
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
            continue;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) == 0) {
            removed++;
        }
    }
    closedir(d);
    return removed;
}
