/* Launching configured processes. Prepared data (argv, environment, expectation) lives in the
 * launcher for the whole run; each host's events read only their own host's entries. */
#include "main/launch.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "host/process.h"
#include "host/task.h"
#include "lib/execcheck.h"
#include "lib/logger.h"

typedef struct {
    const ProcessConfig* config; /* borrowed */
    char* canonical;             /* resolved executable */
    char* exe_name;              /* its file name */
    char** argv;                 /* argv[0] as written, then args */
    char** envp;                 /* environment + LD_PRELOAD + UMBRA_SIMULATED */
    int32_t vpid;                /* once started; 0 before */
} Launch;

struct _Launcher {
    const Config* config; /* borrowed */
    Launch** launches;    /* per host: array of n_processes */
};

static gboolean _launch_fail(GError** error, const ProcessConfig* p, const char* host, size_t i,
                             const char* what) {
    g_set_error(error, UMBRA_CONFIG_ERROR, 0, "%s:%d:%d: hosts.%s.processes[%zu].path: '%s': %s",
                p->loc.file, p->loc.line, p->loc.column, host, i, p->path, what);
    return FALSE;
}

static char** _launch_environment(const ProcessConfig* p, const char* shim_path) {
    GPtrArray* env = g_ptr_array_new();
    const char* user_preload = NULL;
    for (char** e = p->env; e != NULL && *e != NULL; e++) {
        if (g_str_has_prefix(*e, "LD_PRELOAD=")) {
            user_preload = *e + strlen("LD_PRELOAD=");
        } else {
            g_ptr_array_add(env, g_strdup(*e));
        }
    }
    /* umbra's library first, then the user's, without duplicates (compat.md 1.8). */
    GString* preload = g_string_new(shim_path);
    if (user_preload != NULL) {
        gchar** parts = g_strsplit_set(user_preload, ": ", -1);
        for (gchar** part = parts; *part != NULL; part++) {
            if (**part != '\0' && strcmp(*part, shim_path) != 0) {
                g_string_append_printf(preload, ":%s", *part);
            }
        }
        g_strfreev(parts);
    }
    g_ptr_array_add(env, g_strdup_printf("LD_PRELOAD=%s", preload->str));
    g_string_free(preload, TRUE);
    g_ptr_array_add(env, g_strdup("UMBRA_SIMULATED=1"));
    g_ptr_array_add(env, NULL);
    return (char**)g_ptr_array_free(env, FALSE);
}

static gboolean _launch_prepare(Launch* l, const ProcessConfig* p, const char* host, size_t i,
                                const char* shim_path, GError** error) {
    char resolved[PATH_MAX];
    int rv = execcheck_resolve(p->path, NULL, resolved, sizeof(resolved));
    if (rv != 0) {
        return _launch_fail(error, p, host, i,
                            execcheck_describe(rv == -EACCES ? EXECCHECK_NOT_EXECUTABLE
                                                             : EXECCHECK_NOT_FOUND));
    }
    char detail[PATH_MAX + 64];
    ExecCheckResult check = execcheck_verify(resolved, detail, sizeof(detail));
    if (check != EXECCHECK_OK) {
        gchar* what = detail[0] != '\0'
                          ? g_strdup_printf("%s (%s)", execcheck_describe(check), detail)
                          : g_strdup(execcheck_describe(check));
        _launch_fail(error, p, host, i, what);
        g_free(what);
        return FALSE;
    }
    l->config = p;
    l->canonical = g_strdup(resolved);
    l->exe_name = g_path_get_basename(resolved);
    GPtrArray* argv = g_ptr_array_new();
    g_ptr_array_add(argv, g_strdup(p->path));
    for (char** a = p->args; a != NULL && *a != NULL; a++) {
        g_ptr_array_add(argv, g_strdup(*a));
    }
    g_ptr_array_add(argv, NULL);
    l->argv = (char**)g_ptr_array_free(argv, FALSE);
    l->envp = _launch_environment(p, shim_path);
    return TRUE;
}

Launcher* launcher_new(const Config* config, const char* shim_path, GError** error) {
    Launcher* launcher = g_new0(Launcher, 1);
    launcher->config = config;
    launcher->launches = g_new0(Launch*, config->n_hosts + 1);
    for (size_t h = 0; h < config->n_hosts; h++) {
        const HostConfig* hc = &config->hosts[h];
        launcher->launches[h] = g_new0(Launch, hc->n_processes + 1);
        for (size_t i = 0; i < hc->n_processes; i++) {
            if (!_launch_prepare(&launcher->launches[h][i], &hc->processes[i], hc->name, i,
                                 shim_path, error)) {
                launcher_free(launcher);
                return NULL;
            }
        }
    }
    return launcher;
}

void launcher_free(Launcher* launcher) {
    if (launcher == NULL) {
        return;
    }
    for (size_t h = 0; h < launcher->config->n_hosts; h++) {
        Launch* ls = launcher->launches[h];
        for (size_t i = 0; ls != NULL && i < launcher->config->hosts[h].n_processes; i++) {
            g_free(ls[i].canonical);
            g_free(ls[i].exe_name);
            g_strfreev(ls[i].argv);
            g_strfreev(ls[i].envp);
        }
        g_free(ls);
    }
    g_free(launcher->launches);
    g_free(launcher);
}

static ProcessEndState _launch_expected(const ExpectedFinalState* e) {
    switch (e->kind) {
        case FINAL_STATE_SIGNALED: return (ProcessEndState){PROCESS_END_SIGNALED, e->value};
        case FINAL_STATE_RUNNING: return (ProcessEndState){PROCESS_END_RUNNING, 0};
        case FINAL_STATE_EXITED: break;
    }
    return (ProcessEndState){PROCESS_END_EXITED, e->value};
}

static void _launch_startTask(Host* host, void* object, void* argument) {
    Launch* l = object;
    ProcessSpawnParams params = {
        .path = l->canonical,
        .argv = l->argv,
        .envp = l->envp,
        .exe_name = l->exe_name,
        .has_expectation = true,
        .expected = _launch_expected(&l->config->expected_final_state),
    };
    int32_t vpid = process_spawn(host, &params);
    l->vpid = vpid > 0 ? vpid : 0;
}

static void _launch_shutdownTask(Host* host, void* object, void* argument) {
    Launch* l = object;
    Process* p = l->vpid > 0 ? host_lookupProcess(host, l->vpid) : NULL;
    if (p != NULL && !process_isZombie(p)) {
        log_debug("sending shutdown signal %d to process '%s'", l->config->shutdown_signal,
                  process_getName(p));
        process_signalFrom(p, l->config->shutdown_signal, 0); /* from outside: pid 0 */
    }
}

void launcher_scheduleHost(Launcher* launcher, Host* host, size_t host_index) {
    const HostConfig* hc = &launcher->config->hosts[host_index];
    for (size_t i = 0; i < hc->n_processes; i++) {
        Launch* l = &launcher->launches[host_index][i];
        Task* start = task_new(_launch_startTask, l, NULL, NULL, NULL);
        host_scheduleTaskAtTime(host, start, l->config->start_time);
        task_unref(start);
        if (l->config->has_shutdown_time) {
            Task* stop = task_new(_launch_shutdownTask, l, NULL, NULL, NULL);
            host_scheduleTaskAtTime(host, stop, l->config->shutdown_time);
            task_unref(stop);
        }
    }
}

char* launcher_findShim(void) {
    const char* env = g_getenv("UMBRA_SHIM_PATH");
    if (env != NULL && g_file_test(env, G_FILE_TEST_IS_REGULAR)) {
        return g_canonicalize_filename(env, NULL);
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        gchar* dir = g_path_get_dirname(exe);
        gchar* path = g_build_filename(dir, "libumbra-shim.so", NULL);
        g_free(dir);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return path;
        }
        g_free(path);
    }
#ifdef UMBRA_BUILD_SHIM_PATH
    if (g_file_test(UMBRA_BUILD_SHIM_PATH, G_FILE_TEST_IS_REGULAR)) {
        return g_strdup(UMBRA_BUILD_SHIM_PATH);
    }
#endif
    return NULL;
}
