/* The simulator's log: one record per line in Shadow's format (compat.md 3.2) on one stream.
 *
 * Invariants:
 * - A record written outside a host context goes straight to the stream, under `_logger.lock`.
 * - A record written inside a host context is appended to that context's buffer, which only the
 *   thread running the host touches; the scheduler flushes buffers in host order between rounds.
 *   So, apart from the wall-clock and thread columns, the log does not depend on which worker ran
 *   which host.
 * - ERROR records are also echoed at once to stderr as "Error: <message>" when enabled. */
#include "lib/logger.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct {
    pthread_mutex_t lock;         /* serializes writes to `out` */
    FILE* out;                    /* the log stream; stdout by default */
    LogLevel level;               /* global level */
    bool report_errors_to_stderr; /* echo ERROR records to stderr */
    struct timespec start;        /* wall-clock origin of the first column */
} _logger = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .out = NULL,
    .level = LOG_LEVEL_INFO,
    .report_errors_to_stderr = true,
};

static __thread LogContext* _logger_context;
static __thread const char* _logger_threadName;

static const char* const _logger_levelNames[] = {
    [LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARNING] = "warning", [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug", [LOG_LEVEL_TRACE] = "trace",
};
static const char* const _logger_levelTags[] = {
    [LOG_LEVEL_ERROR] = "ERROR", [LOG_LEVEL_WARNING] = "WARN", [LOG_LEVEL_INFO] = "INFO",
    [LOG_LEVEL_DEBUG] = "DEBUG", [LOG_LEVEL_TRACE] = "TRACE",
};

void logger_init(FILE* out, LogLevel level) {
    pthread_mutex_lock(&_logger.lock);
    _logger.out = out;
    _logger.level = level;
    clock_gettime(CLOCK_MONOTONIC, &_logger.start);
    pthread_mutex_unlock(&_logger.lock);
}

void logger_setLevel(LogLevel level) {
    __atomic_store_n(&_logger.level, level, __ATOMIC_RELAXED);
}

LogLevel logger_getLevel(void) {
    return __atomic_load_n(&_logger.level, __ATOMIC_RELAXED);
}

void logger_setReportErrorsToStderr(bool enabled) {
    __atomic_store_n(&_logger.report_errors_to_stderr, enabled, __ATOMIC_RELAXED);
}

void logger_setThreadName(const char* name) {
    _logger_threadName = name;
}

void logger_setContext(LogContext* ctx) {
    _logger_context = ctx;
}

LogContext* logger_getContext(void) {
    return _logger_context;
}

bool logger_isEnabled(LogLevel level) {
    LogLevel limit = _logger_context != NULL ? _logger_context->level : logger_getLevel();
    return level <= limit;
}

static FILE* _logger_stream(void) {
    return _logger.out != NULL ? _logger.out : stdout;
}

static void _logger_write(const char* text, size_t len) {
    pthread_mutex_lock(&_logger.lock);
    fwrite(text, 1, len, _logger_stream());
    pthread_mutex_unlock(&_logger.lock);
}

void logger_flushContext(LogContext* ctx) {
    if (ctx->buffer_len > 0) {
        _logger_write(ctx->buffer, ctx->buffer_len);
        ctx->buffer_len = 0;
    }
}

void logger_clearContext(LogContext* ctx) {
    logger_flushContext(ctx);
    free(ctx->buffer);
    ctx->buffer = NULL;
    ctx->buffer_cap = 0;
}

static void _logger_append(LogContext* ctx, const char* text, size_t len) {
    if (ctx->buffer_len + len > ctx->buffer_cap) {
        size_t cap = ctx->buffer_cap ? ctx->buffer_cap : 4096;
        while (cap < ctx->buffer_len + len) {
            cap *= 2;
        }
        char* grown = realloc(ctx->buffer, cap);
        if (grown == NULL) {
            /* Out of memory: write through rather than lose the record. */
            logger_flushContext(ctx);
            _logger_write(text, len);
            return;
        }
        ctx->buffer = grown;
        ctx->buffer_cap = cap;
    }
    memcpy(ctx->buffer + ctx->buffer_len, text, len);
    ctx->buffer_len += len;
}

static const char* _logger_basename(const char* path) {
    const char* slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* "HH:MM:SS.nnnnnnnnn" of a simulated time, or "n/a". */
static void _logger_formatSimTime(SimTime t, char* buf, size_t len) {
    if (t == SIMTIME_INVALID) {
        snprintf(buf, len, "n/a");
        return;
    }
    uint64_t secs = t / SIMTIME_ONE_SECOND;
    snprintf(buf, len, "%02llu:%02llu:%02llu.%09llu", (unsigned long long)(secs / 3600),
             (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60),
             (unsigned long long)(t % SIMTIME_ONE_SECOND));
}

void logger_log(LogLevel level, const char* file, int line, const char* function, const char* fmt,
                ...) {
    if (!logger_isEnabled(level)) {
        return;
    }
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t wall_us = (int64_t)(now.tv_sec - _logger.start.tv_sec) * 1000000 +
                      (now.tv_nsec - _logger.start.tv_nsec) / 1000;
    if (wall_us < 0) {
        wall_us = 0;
    }
    int64_t wall_s = wall_us / 1000000;

    LogContext* ctx = _logger_context;
    char sim[32];
    _logger_formatSimTime(ctx != NULL ? ctx->now : SIMTIME_INVALID, sim, sizeof(sim));
    char host[320];
    if (ctx != NULL && ctx->host_name != NULL) {
        snprintf(host, sizeof(host), "%s:%s", ctx->host_name, ctx->host_ip ? ctx->host_ip : "n/a");
    } else {
        snprintf(host, sizeof(host), "n/a");
    }

    char record[sizeof(message) + 512];
    int len = snprintf(record, sizeof(record),
                       "%02lld:%02lld:%02lld.%06lld [%ld:%s] %s [%s] [%s] [%s:%d] [%s] %s\n",
                       (long long)(wall_s / 3600), (long long)(wall_s / 60 % 60),
                       (long long)(wall_s % 60), (long long)(wall_us % 1000000),
                       (long)syscall(SYS_gettid),
                       _logger_threadName != NULL ? _logger_threadName : "umbra", sim,
                       _logger_levelTags[level], host, _logger_basename(file), line, function,
                       message);
    if (len < 0) {
        return;
    }
    if ((size_t)len >= sizeof(record)) {
        len = (int)sizeof(record) - 1;
        record[len - 1] = '\n';
    }

    if (ctx != NULL) {
        _logger_append(ctx, record, (size_t)len);
    } else {
        _logger_write(record, (size_t)len);
    }
    if (level == LOG_LEVEL_ERROR && __atomic_load_n(&_logger.report_errors_to_stderr,
                                                    __ATOMIC_RELAXED)) {
        fprintf(stderr, "Error: %s\n", message);
    }
}

void logger_flush(void) {
    pthread_mutex_lock(&_logger.lock);
    fflush(_logger_stream());
    pthread_mutex_unlock(&_logger.lock);
}

int logger_parseLevel(const char* text, LogLevel* level_out) {
    for (int l = LOG_LEVEL_ERROR; l <= LOG_LEVEL_TRACE; l++) {
        if (strcmp(text, _logger_levelNames[l]) == 0) {
            *level_out = (LogLevel)l;
            return 0;
        }
    }
    return -EINVAL;
}

const char* logger_levelName(LogLevel level) {
    if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_TRACE) {
        return "invalid";
    }
    return _logger_levelNames[level];
}
