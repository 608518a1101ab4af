/* umbra's entry point: command line → config → controller → run, with Shadow's banners on stderr
 * and exit status 0 or 1 (compat.md 1.9).
 *
 * Bad input (flags, config, graph) is reported as ONE line on stderr and exits 1 before anything is
 * created on disk; the "** Starting umbra" banner is printed only once the input has been accepted
 * and the data directory exists. A failure after that point prints Shadow's three lines. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/logger.h"
#include "lib/shm_names.h"
#include "lib/units.h"
#include "main/cli.h"
#include "main/config.h"
#include "main/controller.h"
#include "main/shm_cleanup.h"

static int _main_badInput(GError* error) {
    fprintf(stderr, "** umbra did not complete successfully: %s\n", error->message);
    g_error_free(error);
    return EXIT_FAILURE;
}

static int _main_runFailed(const char* cause) {
    log_error("%s", cause);
    logger_flush();
    fprintf(stderr, "** umbra did not complete successfully: Simulation failed\n");
    fprintf(stderr, "**   %s\n", cause);
    fprintf(stderr, "** See the log for details\n");
    return EXIT_FAILURE;
}

/* SIGINT and SIGTERM are blocked in every thread and taken here: flush the log and exit 1. */
static void* _main_signalThread(void* arg) {
    sigset_t* set = arg;
    int sig = 0;
    sigwait(set, &sig);
    logger_setContext(NULL);
    log_error("Received signal %d (%s); stopping", sig, units_signalName(sig));
    logger_flush();
    fprintf(stderr, "** umbra did not complete successfully: Received signal %s\n",
            units_signalName(sig));
    _exit(EXIT_FAILURE);
}

static void _main_startSignalThread(void) {
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, _main_signalThread, &set) == 0) {
        pthread_detach(thread);
    }
}

/* Raise the soft RLIMIT_NOFILE and RLIMIT_NPROC to their hard limits, as Shadow does. */
static void _main_raiseLimits(void) {
    const int resources[] = {RLIMIT_NOFILE, RLIMIT_NPROC};
    for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
        struct rlimit rl;
        if (getrlimit(resources[i], &rl) == 0 && rl.rlim_cur != rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            if (setrlimit(resources[i], &rl) != 0) {
                log_warning("could not raise resource limit %d: %s", resources[i], strerror(errno));
            }
        }
    }
}

static void _main_showBuildInfo(void) {
    fprintf(stderr, "umbra %s\n", UMBRA_VERSION);
    fprintf(stderr, "build: C, glib %u.%u.%u, igraph, libyaml, liblzma\n", glib_major_version,
            glib_minor_version, glib_micro_version);
#ifdef __OPTIMIZE__
    fprintf(stderr, "optimized: yes\n");
#else
    fprintf(stderr, "optimized: no\n");
#endif
#ifdef __SANITIZE_ADDRESS__
    fprintf(stderr, "sanitizers: address, undefined\n");
#endif
}

int main(int argc, char** argv) {
    logger_init(stdout, LOG_LEVEL_INFO);
    CliOptions opts = {0};
    switch (cli_parse(argc, argv, &opts)) {
        case CLI_EXIT_SUCCESS: cli_clear(&opts); return EXIT_SUCCESS;
        case CLI_EXIT_FAILURE: cli_clear(&opts); return EXIT_FAILURE;
        case CLI_RUN: break;
    }
    if (opts.shm_cleanup) {
        int removed = shm_cleanupOrphans(UMBRA_SHM_DIR);
        fprintf(stderr, "** umbra --shm-cleanup: removed %d orphaned shared-memory files\n",
                removed < 0 ? 0 : removed);
        cli_clear(&opts);
        return EXIT_SUCCESS;
    }
    if (opts.show_build_info) {
        _main_showBuildInfo();
        cli_clear(&opts);
        return EXIT_SUCCESS;
    }

    GError* error = NULL;
    Config* config = config_load(opts.config_path, opts.overrides, opts.n_overrides, &error);
    if (config == NULL) {
        cli_clear(&opts);
        return _main_badInput(error);
    }
    if (opts.show_config) {
        char* yaml = config_toYaml(config);
        fputs(yaml, stderr);
        g_free(yaml);
        config_free(config);
        cli_clear(&opts);
        return EXIT_SUCCESS;
    }
    logger_init(stdout, config->log_level);
    logger_setReportErrorsToStderr(config->experimental.report_errors_to_stderr);

    Controller* controller = controller_new(config, &error);
    if (controller == NULL || !controller_createOutput(controller, &error)) {
        controller_free(controller);
        config_free(config);
        cli_clear(&opts);
        return _main_badInput(error);
    }
    _main_startSignalThread();
    fprintf(stderr, "** Starting umbra %s\n", UMBRA_VERSION);
    if (getuid() == 0) {
        log_warning("umbra is running as root; managed processes will run as root too");
    }
    _main_raiseLimits();
    if (opts.gdb) {
        fprintf(stderr, "** Pausing with SIGTSTP to enable debugger attachment (pid %d)\n",
                (int)getpid());
        raise(SIGTSTP);
    }

    unsigned failed = controller_run(controller);
    controller_free(controller);
    config_free(config);
    cli_clear(&opts);
    if (failed > 0) {
        char cause[128];
        snprintf(cause, sizeof(cause), "%u managed processes in unexpected final state", failed);
        return _main_runFailed(cause);
    }
    logger_flush();
    fprintf(stderr, "** umbra completed successfully\n");
    return EXIT_SUCCESS;
}
