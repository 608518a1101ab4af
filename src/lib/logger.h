/* The simulator's log (not the shim's): Shadow's line format on stdout (compat.md 3.2),
 *
 *   HH:MM:SS.uuuuuu [tid:threadname] HH:MM:SS.nnnnnnnnn [LEVEL] [host:ip] [file.c:line] [function] msg
 *
 * with wall time since logger start, the emitting OS thread, the simulated time of the current
 * event (or n/a), the active host (or n/a), the source location and the function name.
 *
 * Thread safety: every function may be called from any thread. The active host and simulated time
 * come from a thread-local LogContext that the scheduler sets while a host runs; while a host is
 * active its own log level (host_options.log_level) replaces the global one.
 *
 * Determinism: records emitted while a host is active are buffered per host (in the context) and
 * flushed by the scheduler between rounds in host order, so the log's order does not depend on the
 * number of workers. Records outside a host are written at once. */
#ifndef SIM_LIB_LOGGER_H_
#define SIM_LIB_LOGGER_H_

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/simtime.h"

typedef enum {
    LOG_LEVEL_ERROR = 1,
    LOG_LEVEL_WARNING = 2,
    LOG_LEVEL_INFO = 3,
    LOG_LEVEL_DEBUG = 4,
    LOG_LEVEL_TRACE = 5,
} LogLevel;

/* Per-host log state, owned by the host; the logger only borrows it while it is current. */
typedef struct {
    const char* host_name;   /* borrowed, lives as long as the host */
    const char* host_ip;     /* dotted quad, borrowed */
    LogLevel level;          /* effective level while this host is active */
    SimTime now;             /* simulated time of the running event; SIMTIME_INVALID = n/a */
    char* buffer;            /* records waiting for logger_flushContext (malloc'd) */
    size_t buffer_len;       /* bytes used in buffer */
    size_t buffer_cap;       /* bytes allocated for buffer */
} LogContext;

/* Starts the logger: records go to `out` (stdout in umbra); `level` is the global level. Starts the
 * wall clock used for the first column. Calling it again resets level and stream. */
void logger_init(FILE* out, LogLevel level);
void logger_setLevel(LogLevel level);
LogLevel logger_getLevel(void);
/* Whether ERROR records are also printed on stderr as "Error: <msg>" (report_errors_to_stderr). */
void logger_setReportErrorsToStderr(bool enabled);

/* Names this thread in the [tid:name] column (borrowed; must outlive the thread's logging). */
void logger_setThreadName(const char* name);

/* Makes `ctx` the active host context of the calling thread (NULL for none). */
void logger_setContext(LogContext* ctx);
LogContext* logger_getContext(void);
/* Writes the buffered records of `ctx` to the log stream and empties the buffer. */
void logger_flushContext(LogContext* ctx);
/* Frees the buffer of `ctx` (flushes it first). */
void logger_clearContext(LogContext* ctx);

/* Whether a record at `level` would be written in the current thread's context. */
bool logger_isEnabled(LogLevel level);

void logger_log(LogLevel level, const char* file, int line, const char* function, const char* fmt,
                ...) __attribute__((format(printf, 5, 6)));
/* Flushes the log stream. */
void logger_flush(void);

/* "error", "warning", "info", "debug", "trace" <-> LogLevel. Parse returns 0 or -EINVAL. */
int logger_parseLevel(const char* text, LogLevel* level_out);
const char* logger_levelName(LogLevel level);

#define log_error(...) logger_log(LOG_LEVEL_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_warning(...) logger_log(LOG_LEVEL_WARNING, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_info(...) logger_log(LOG_LEVEL_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...) logger_log(LOG_LEVEL_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_trace(...) logger_log(LOG_LEVEL_TRACE, __FILE__, __LINE__, __func__, __VA_ARGS__)

#endif
