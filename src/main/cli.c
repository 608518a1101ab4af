/* Command-line parsing (compat.md 1.1 step 1 and 4). A hand-written loop rather than getopt_long,
 * so every failure is exactly one line "umbra: <what is wrong>" on stderr and nothing else:
 *   --flag value, --flag=value, -p 4, -p4, clustered no-value short flags (-gh), `--` ends flags.
 * Config flags are generated from the options table (config_table.c); their values are checked
 * with the config decoders before the file is read, and kept as ConfigOverrides in order. */
#include "main/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "main/config_internal.h"

typedef enum {
    CLI_FLAG_HELP_SHORT,
    CLI_FLAG_HELP_LONG,
    CLI_FLAG_VERSION,
    CLI_FLAG_GDB,
    CLI_FLAG_DEBUG_HOSTS,
    CLI_FLAG_SHM_CLEANUP,
    CLI_FLAG_SHOW_BUILD_INFO,
    CLI_FLAG_SHOW_CONFIG,
} CliFlagId;

typedef struct {
    CliFlagId id;           /* what it does */
    const char* name;       /* long name without "--" */
    char short_flag;        /* or 0 */
    bool takes_value;       /* --debug-hosts only */
    const char* value_name; /* placeholder in help */
    const char* help;       /* one line */
} CliFlag;

static const CliFlag _cli_flags[] = {
    {CLI_FLAG_GDB, "gdb", 'g', false, NULL, "Pause to allow gdb to attach"},
    {CLI_FLAG_DEBUG_HOSTS, "debug-hosts", 0, true, "hostnames",
     "Pause after starting any processes on the comma-delimited list of hostnames"},
    {CLI_FLAG_SHM_CLEANUP, "shm-cleanup", 0, false, NULL,
     "Exit after running shared memory cleanup routine"},
    {CLI_FLAG_SHOW_BUILD_INFO, "show-build-info", 0, false, NULL,
     "Exit after printing build information"},
    {CLI_FLAG_SHOW_CONFIG, "show-config", 0, false, NULL,
     "Exit after printing the final configuration"},
    {CLI_FLAG_HELP_SHORT, NULL, 'h', false, NULL, "Print help (see more with '--help')"},
    {CLI_FLAG_HELP_LONG, "help", 0, false, NULL, "Print help, including experimental options"},
    {CLI_FLAG_VERSION, "version", 'V', false, NULL, "Print version"},
};
#define CLI_N_FLAGS (sizeof(_cli_flags) / sizeof(_cli_flags[0]))

/* ---------------------------------------------------------------------------------------------- */
/* Help                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

static void _cli_helpLine(GString* out, char short_flag, const char* name, const char* value_name,
                          const char* help, const char* default_text) {
    GString* left = g_string_new("  ");
    if (short_flag != 0) {
        g_string_append_printf(left, "-%c%s", short_flag, name != NULL ? ", " : "");
    } else {
        g_string_append(left, "    ");
    }
    if (name != NULL) {
        g_string_append_printf(left, "--%s", name);
    }
    if (value_name != NULL) {
        g_string_append_printf(left, " <%s>", value_name);
    }
    g_string_append_printf(out, "%s\n          %s", left->str, help);
    if (default_text != NULL) {
        g_string_append_printf(out, " [default: %s]", default_text);
    }
    g_string_append(out, "\n");
    g_string_free(left, TRUE);
}

static void _cli_helpSection(GString* out, ConfigSection section, bool hidden, const char* title) {
    if (section == CONFIG_SECTION_EXPERIMENTAL && !hidden) {
        return;
    }
    g_string_append_printf(out, "\n%s:\n", title);
    for (size_t i = 0; i < config_n_options; i++) {
        const ConfigOption* opt = &config_options[i];
        if (opt->section != section || (opt->hidden && !hidden)) {
            continue;
        }
        const char* def = opt->default_text != NULL ? opt->default_text : "null";
        if (opt->required) {
            def = NULL; /* e.g. stop_time: no default, the help text says it is required */
        }
        _cli_helpLine(out, opt->short_flag, opt->flag, opt->value_name, opt->help, def);
    }
}

char* cli_helpText(bool hidden) {
    GString* out = g_string_new(NULL);
    g_string_append(out, "Run real applications over simulated networks.\n\n"
                         "Usage: umbra [OPTIONS] <CONFIG>\n\n"
                         "Arguments:\n"
                         "  <CONFIG>  Path to the Shadow config file. Use '-' to read from "
                         "stdin\n\nOptions:\n");
    for (size_t i = 0; i < CLI_N_FLAGS; i++) {
        const CliFlag* f = &_cli_flags[i];
        if (f->id == CLI_FLAG_HELP_LONG) {
            continue; /* shown on the -h line, as clap does */
        }
        _cli_helpLine(out, f->short_flag, f->id == CLI_FLAG_HELP_SHORT ? "help" : f->name,
                      f->value_name,
                      hidden && f->id == CLI_FLAG_HELP_SHORT ? "Print help" : f->help, NULL);
    }
    _cli_helpSection(out, CONFIG_SECTION_GENERAL, hidden,
                     "General (Override configuration file "
                     "options)");
    _cli_helpSection(out, CONFIG_SECTION_NETWORK, hidden, "Network (Override network options)");
    _cli_helpSection(out, CONFIG_SECTION_HOST_OPTIONS, hidden,
                     "Host Defaults (Default options for hosts)");
    _cli_helpSection(out, CONFIG_SECTION_EXPERIMENTAL, hidden,
                     "Experimental (Unstable and may change or be removed at any time, "
                     "regardless of umbra version)");
    return g_string_free(out, FALSE);
}

/* ---------------------------------------------------------------------------------------------- */
/* Parsing                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static CliResult _cli_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static CliResult _cli_error(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char* what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "umbra: %s\n", what);
    g_free(what);
    return CLI_EXIT_FAILURE;
}

static const ConfigOption* _cli_findOption(const char* name, char short_flag) {
    for (size_t i = 0; i < config_n_options; i++) {
        const ConfigOption* opt = &config_options[i];
        if ((name != NULL && strcmp(opt->flag, name) == 0) ||
            (name == NULL && short_flag != 0 && opt->short_flag == short_flag)) {
            return opt;
        }
    }
    return NULL;
}

static const CliFlag* _cli_findFlag(const char* name, char short_flag) {
    for (size_t i = 0; i < CLI_N_FLAGS; i++) {
        const CliFlag* f = &_cli_flags[i];
        if ((name != NULL && f->name != NULL && strcmp(f->name, name) == 0) ||
            (name == NULL && short_flag != 0 && f->short_flag == short_flag)) {
            return f;
        }
    }
    return NULL;
}

/* Records `--flag value` as an override of the option's key and checks the value. `flag` is the
 * long form, kept in the override for error messages. */
static CliResult _cli_addOverride(CliOptions* out, const ConfigOption* opt, const char* flag,
                                  const char* value) {
    ConfigOverride o = {
        .key = g_strdup_printf("%s.%s", config_sectionName(opt->section), opt->key),
        .value = g_strdup(value),
        .flag = g_strdup(flag),
    };
    out->overrides = g_renew(ConfigOverride, out->overrides, out->n_overrides + 1);
    out->overrides[out->n_overrides++] = o;
    GError* error = NULL;
    if (config_checkOverride(&o, &error) != 0) {
        const char* msg = error->message;
        if (g_str_has_prefix(msg, "command line: ")) {
            msg += strlen("command line: ");
        }
        _cli_error("%s", msg);
        g_error_free(error);
        return CLI_EXIT_FAILURE;
    }
    return CLI_RUN;
}

/* Acts on a flag that takes no config value. Returns CLI_RUN to go on. */
static CliResult _cli_applyFlag(CliOptions* out, const CliFlag* f, const char* value) {
    char* text = NULL;
    switch (f->id) {
        case CLI_FLAG_HELP_SHORT:
        case CLI_FLAG_HELP_LONG:
            text = cli_helpText(f->id == CLI_FLAG_HELP_LONG);
            fputs(text, stdout);
            g_free(text);
            return CLI_EXIT_SUCCESS;
        case CLI_FLAG_VERSION:
            printf("umbra %s\n", UMBRA_VERSION);
            return CLI_EXIT_SUCCESS;
        case CLI_FLAG_GDB:
            out->gdb = true;
            return CLI_RUN;
        case CLI_FLAG_SHM_CLEANUP:
            out->shm_cleanup = true;
            return CLI_RUN;
        case CLI_FLAG_SHOW_BUILD_INFO:
            out->show_build_info = true;
            return CLI_RUN;
        case CLI_FLAG_SHOW_CONFIG:
            out->show_config = true;
            return CLI_RUN;
        case CLI_FLAG_DEBUG_HOSTS:
            g_strfreev(out->debug_hosts);
            out->debug_hosts = g_strsplit(value, ",", -1);
            return CLI_RUN;
    }
    return CLI_RUN;
}

/* Handles argv[*i] = "--name[=value]"; may consume argv[*i + 1]. */
static CliResult _cli_parseLong(int argc, char** argv, int* i, CliOptions* out) {
    const char* arg = argv[*i] + 2;
    const char* eq = strchr(arg, '=');
    char* name = eq != NULL ? g_strndup(arg, (gsize)(eq - arg)) : g_strdup(arg);
    char* typed = g_strdup_printf("--%s", name);
    const ConfigOption* opt = _cli_findOption(name, 0);
    const CliFlag* flag = opt == NULL ? _cli_findFlag(name, 0) : NULL;
    bool takes_value = opt != NULL || (flag != NULL && flag->takes_value);
    const char* value = eq != NULL ? eq + 1 : NULL;
    CliResult rv = CLI_RUN;
    if (opt == NULL && flag == NULL) {
        rv = _cli_error("unknown option '%s' (see --help)", typed);
    } else if (!takes_value && value != NULL) {
        rv = _cli_error("option '%s' does not take a value", typed);
    } else if (takes_value && value == NULL && *i + 1 >= argc) {
        rv = _cli_error("option '%s' requires a value", typed);
    } else {
        if (takes_value && value == NULL) {
            value = argv[++*i];
        }
        rv = opt != NULL ? _cli_addOverride(out, opt, typed, value)
                         : _cli_applyFlag(out, flag, value);
    }
    g_free(typed);
    g_free(name);
    return rv;
}

/* Handles argv[*i] = "-x...", a cluster of short flags; may consume argv[*i + 1]. */
static CliResult _cli_parseShort(int argc, char** argv, int* i, CliOptions* out) {
    const char* arg = argv[*i];
    for (size_t k = 1; arg[k] != '\0'; k++) {
        char typed[3] = {'-', arg[k], '\0'};
        const ConfigOption* opt = _cli_findOption(NULL, arg[k]);
        const CliFlag* flag = opt == NULL ? _cli_findFlag(NULL, arg[k]) : NULL;
        if (opt == NULL && flag == NULL) {
            return _cli_error("unknown option '%s' (see --help)", typed);
        }
        if (opt == NULL && !flag->takes_value) {
            CliResult rv = _cli_applyFlag(out, flag, NULL);
            if (rv != CLI_RUN) {
                return rv;
            }
            continue;
        }
        /* The rest of the argument, or the next one, is the value. */
        const char* value = arg[k + 1] != '\0' ? &arg[k + 1] : NULL;
        if (value == NULL && *i + 1 >= argc) {
            return _cli_error("option '%s' requires a value", typed);
        }
        if (value == NULL) {
            value = argv[++*i];
        }
        if (flag != NULL) {
            return _cli_applyFlag(out, flag, value);
        }
        /* Messages name the long form ("--parallelism"), which says more than "-p". */
        char* long_name = g_strdup_printf("--%s", opt->flag);
        CliResult rv = _cli_addOverride(out, opt, long_name, value);
        g_free(long_name);
        return rv;
    }
    return CLI_RUN;
}

CliResult cli_parse(int argc, char** argv, CliOptions* out) {
    memset(out, 0, sizeof(*out));
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char* arg = argv[i];
        CliResult rv = CLI_RUN;
        if (!only_positional && strcmp(arg, "--") == 0) {
            only_positional = true;
        } else if (!only_positional && g_str_has_prefix(arg, "--")) {
            rv = _cli_parseLong(argc, argv, &i, out);
        } else if (!only_positional && arg[0] == '-' && arg[1] != '\0') {
            rv = _cli_parseShort(argc, argv, &i, out);
        } else if (out->config_path != NULL) {
            rv = _cli_error("unexpected argument '%s' (the config file is already '%s')", arg,
                            out->config_path);
        } else {
            out->config_path = g_strdup(arg);
        }
        if (rv != CLI_RUN) {
            return rv;
        }
    }
    if (out->config_path == NULL && !out->shm_cleanup && !out->show_build_info) {
        return _cli_error("missing the CONFIG argument (a config file, or '-' for stdin)");
    }
    return CLI_RUN;
}

void cli_clear(CliOptions* opts) {
    for (size_t i = 0; i < opts->n_overrides; i++) {
        g_free((char*)opts->overrides[i].key);
        g_free((char*)opts->overrides[i].value);
        g_free((char*)opts->overrides[i].flag);
    }
    g_free(opts->overrides);
    g_free(opts->config_path);
    g_strfreev(opts->debug_hosts);
    memset(opts, 0, sizeof(*opts));
}
