/* What the user sees while a simulation runs: the heartbeat log lines (compat.md 3.3, their text is
 * frozen because tornettools parses it) and the --progress status line on stderr (compat.md 4). */
#ifndef SIM_MAIN_STATUS_H_
#define SIM_MAIN_STATUS_H_

#include <stdbool.h>
#include <stddef.h>

#include "lib/simtime.h"

/* Logs the two INFO heartbeat lines for simulated time `now`. */
void status_logHeartbeat(SimTime now);

/* The first heartbeat line's text for the given figures, into buf (for tests). */
int status_formatRusageLine(char* buf, size_t len, SimTime now, long maxrss_kib, double utime_s,
                            double stime_s, long nvcsw, long nivcsw);

typedef struct _Progress Progress;

/* A progress reporter for a run ending at `stop_time`. On a terminal the line is redrawn at most
 * once per wall-clock second; otherwise a "Progress: ..." line is printed every 60 s. */
Progress* progress_new(SimTime stop_time, bool is_tty);
void progress_update(Progress* p, SimTime now, unsigned processes_failed);
/* Prints the final line (100% when the run reached its stop time) and frees. */
void progress_finish(Progress* p, SimTime now, unsigned processes_failed);

/* "NN% — simulated: HH:MM:SS.mmm/HH:MM:SS, realtime: HH:MM:SS, processes failed: N". */
int progress_formatLine(char* buf, size_t len, SimTime now, SimTime stop_time,
                        double wall_seconds, unsigned processes_failed);

#endif
