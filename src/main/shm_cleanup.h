/* Removal of shared-memory files left by umbra processes that died (compat.md 1.1 --shm-cleanup). */
#ifndef SIM_MAIN_SHM_CLEANUP_H_
#define SIM_MAIN_SHM_CLEANUP_H_

/* Removes every file in `dir` named UMBRA_SHM_PREFIX<pid>_* whose <pid> is not a live process.
 * Returns the number removed, or -errno if `dir` cannot be read. */
int shm_cleanupOrphans(const char* dir);

#endif
