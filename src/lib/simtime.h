/* Simulated time: u64 nanoseconds since the start of the simulation. What managed programs see as
 * the wall clock is UMBRA_EPOCH_UNIX_SEC + SimTime (2000-01-01 00:00:00 UTC), as in Shadow. */
#ifndef SIM_LIB_SIMTIME_H_
#define SIM_LIB_SIMTIME_H_

#include <stdint.h>

typedef uint64_t SimTime;

#define SIMTIME_INVALID UINT64_MAX
#define SIMTIME_MAX (UINT64_MAX - 1)
#define SIMTIME_ONE_NANOSECOND ((SimTime)1)
#define SIMTIME_ONE_MICROSECOND ((SimTime)1000)
#define SIMTIME_ONE_MILLISECOND ((SimTime)1000000)
#define SIMTIME_ONE_SECOND ((SimTime)1000000000)
#define SIMTIME_ONE_MINUTE ((SimTime)60 * SIMTIME_ONE_SECOND)
#define SIMTIME_ONE_HOUR ((SimTime)60 * SIMTIME_ONE_MINUTE)

/* Unix time of simulated time 0. */
#define UMBRA_EPOCH_UNIX_SEC 946684800ULL

#endif
