/* The data directory. It is created only after every input has been checked, so a bad config
 * leaves nothing behind. Without a template, mkdir must create it (Shadow uses create_dir, hence
 * the "rm -rf shadow.data" in every example); with one, the template's tree is copied in first:
 * directories, regular files (with their modes) and symlinks. */
#include "main/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean _datadir_fail(GError** error, const char* path, const char* what, int err) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s: %s", path, what,
                g_strerror(err));
    return FALSE;
}

static gboolean _datadir_copyTree(const char* from, const char* to, GError** error);

static gboolean _datadir_copyEntry(const char* src, const char* dst, GError** error) {
    struct stat st;
    if (lstat(src, &st) != 0) {
        return _datadir_fail(error, src, "cannot read template entry", errno);
    }
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst, st.st_mode & 07777) != 0 && errno != EEXIST) {
            return _datadir_fail(error, dst, "cannot create directory", errno);
        }
        return _datadir_copyTree(src, dst, error);
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t len = readlink(src, target, sizeof(target) - 1);
        if (len < 0) {
            return _datadir_fail(error, src, "cannot read link", errno);
        }
        target[len] = '\0';
        unlink(dst);
        if (symlink(target, dst) != 0) {
            return _datadir_fail(error, dst, "cannot create link", errno);
        }
        return TRUE;
    }
    if (!S_ISREG(st.st_mode)) {
        return TRUE; /* sockets, fifos and devices are not copied */
    }
    gchar* contents = NULL;
    gsize len = 0;
    if (!g_file_get_contents(src, &contents, &len, error)) {
        return FALSE;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
    gboolean ok = fd >= 0;
    for (gsize done = 0; ok && done < len;) {
        ssize_t w = write(fd, contents + done, len - done);
        ok = w > 0;
        done += ok ? (gsize)w : 0;
    }
    int err = errno;
    if (fd >= 0) {
        close(fd);
    }
    g_free(contents);
    return ok ? TRUE : _datadir_fail(error, dst, "cannot write file", err);
}

static gboolean _datadir_copyTree(const char* from, const char* to, GError** error) {
    GDir* dir = g_dir_open(from, 0, error);
    if (dir == NULL) {
        return FALSE;
    }
    /* Sorted, so that a failure part-way is reported for the same entry every time. */
    GPtrArray* names = g_ptr_array_new_with_free_func(g_free);
    for (const char* name; (name = g_dir_read_name(dir)) != NULL;) {
        g_ptr_array_add(names, g_strdup(name));
    }
    g_dir_close(dir);
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < names->len; i++) {
        const char* name = *(char**)&names->pdata[i];
        gchar* src = g_build_filename(from, name, NULL);
        gchar* dst = g_build_filename(to, name, NULL);
        ok = _datadir_copyEntry(src, dst, error);
        g_free(src);
        g_free(dst);
    }
    g_ptr_array_unref(names);
    return ok;
}

gboolean datadir_create(const char* data_dir, const char* template_dir, const char* const* hosts,
                        size_t n_hosts, GError** error) {
    if (template_dir != NULL) {
        struct stat st;
        if (stat(template_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            return _datadir_fail(error, template_dir, "template directory is not a directory",
                                 errno ? errno : ENOTDIR);
        }
        if (mkdir(data_dir, 0755) != 0 && errno != EEXIST) {
            return _datadir_fail(error, data_dir, "Failed to create data directory", errno);
        }
        if (!_datadir_copyTree(template_dir, data_dir, error)) {
            return FALSE;
        }
    } else if (mkdir(data_dir, 0755) != 0) {
        return _datadir_fail(error, data_dir, "Failed to create data directory", errno);
    }
    gchar* hosts_dir = g_build_filename(data_dir, "hosts", NULL);
    gboolean ok = TRUE;
    if (mkdir(hosts_dir, 0755) != 0 && errno != EEXIST) {
        ok = _datadir_fail(error, hosts_dir, "cannot create directory", errno);
    }
    for (size_t i = 0; ok && i < n_hosts; i++) {
        gchar* dir = g_build_filename(hosts_dir, hosts[i], NULL);
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            ok = _datadir_fail(error, dir, "cannot create directory", errno);
        }
        g_free(dir);
    }
    g_free(hosts_dir);
    return ok;
}

gboolean datadir_writeFile(const char* data_dir, const char* name, const char* content,
                           GError** error) {
    gchar* path = g_build_filename(data_dir, name, NULL);
    gboolean ok = g_file_set_contents(path, content, -1, error);
    g_free(path);
    return ok;
}
