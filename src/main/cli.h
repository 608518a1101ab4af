/* umbra's command line (compat.md 4): `umbra [OPTIONS] CONFIG`. Every scalar config option of
 * general, network, host_option_defaults and experimental is a kebab-case flag that takes a value
 * (`--stop-time 10s`, `--progress true`, `--use-cpu-pinning=false`, `--heartbeat-interval null`);
 * the flags come from the config options table, and their values become ConfigOverrides, checked
 * here already with the same decoders config_load uses. */
#ifndef SIM_MAIN_CLI_H_
#define SIM_MAIN_CLI_H_

#include <stdbool.h>
#include <stddef.h>

#include "main/config.h"

typedef struct {
    char* config_path;         /* positional CONFIG; "-" = stdin; NULL with an exclusive flag */
    ConfigOverride* overrides; /* owned array (its strings too), in command-line order; `flag`
                                * is always the long form ("--parallelism" also for "-p") */
    size_t n_overrides;        /* entries in `overrides` */
    bool show_config;          /* --show-config */
    bool shm_cleanup;          /* --shm-cleanup */
    bool show_build_info;      /* --show-build-info */
    bool gdb;                  /* -g/--gdb */
    char** debug_hosts;        /* --debug-hosts a,b: NULL-terminated, or NULL */
} CliOptions;

typedef enum { CLI_RUN, CLI_EXIT_SUCCESS, CLI_EXIT_FAILURE } CliResult;

/* Parses argv into `out` (which the caller then owns and releases with cli_clear, whatever the
 * result). Prints --help / --version to stdout itself (CLI_EXIT_SUCCESS); on a bad flag or value
 * prints one line "umbra: <what is wrong>" to stderr (CLI_EXIT_FAILURE). */
CliResult cli_parse(int argc, char** argv, CliOptions* out);
void cli_clear(CliOptions* opts);

/* The help text (`hidden` = also list the experimental flags, as --help does; -h does not).
 * Caller g_frees. */
char* cli_helpText(bool hidden);

#endif
