/* Names of the shared-memory files umbra creates under /dev/shm. A name carries the pid of the umbra
 * that made it, so `umbra --shm-cleanup` (and every start) can remove the files of umbra processes
 * that no longer exist: "umbra_shmemfile_<pid>_<serial>". */
#ifndef SIM_LIB_SHM_NAMES_H_
#define SIM_LIB_SHM_NAMES_H_

#define UMBRA_SHM_DIR "/dev/shm"
#define UMBRA_SHM_PREFIX "umbra_shmemfile_"

#endif
