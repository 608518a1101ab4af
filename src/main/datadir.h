/* The data directory (compat.md 3.1): created fresh (an existing one is an error) or copied from
 * `template_directory`, with hosts/<name>/ for every host. */
#ifndef SIM_MAIN_DATADIR_H_
#define SIM_MAIN_DATADIR_H_

#include <glib.h>
#include <stddef.h>

/* Creates `data_dir` (error if it exists and no template is given; with a template, the template
 * is copied into it recursively first), then hosts/ and hosts/<name>/ for each name. On failure
 * returns FALSE with a one-line error naming the path. */
gboolean datadir_create(const char* data_dir, const char* template_dir, const char* const* hosts,
                        size_t n_hosts, GError** error);

/* Writes `content` to <data_dir>/<name>. */
gboolean datadir_writeFile(const char* data_dir, const char* name, const char* content,
                           GError** error);

#endif
