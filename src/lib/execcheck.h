/* Finding and vetting the programs umbra runs as managed processes (compat.md 1.8).
 *
 * A process `path` from the config is first resolved like `which` (execcheck_resolve) and then
 * verified (execcheck_verify): it must be a regular file with an execute bit that is either a
 * dynamically linked x86-64 ELF (the preload shim cannot enter a static binary) or a "#!" script
 * whose interpreter passes the same check. The simulator's execve handler uses the same two calls,
 * and execcheck_linuxErrno gives the errno Linux would have returned for a refused program.
 *
 * Plain C, no glib, no heap allocation: only stack buffers, stat/open/pread/close and realpath
 * into a caller-visible stack buffer. Thread safe (no shared state). Nothing is executed: the ELF
 * headers are parsed here rather than by running ld.so --verify. */
#ifndef SIM_LIB_EXECCHECK_H_
#define SIM_LIB_EXECCHECK_H_

#include <stddef.h>

/* What execcheck_verify found. The names say what was wrong with the file. */
typedef enum {
    EXECCHECK_OK = 0,
    EXECCHECK_NOT_FOUND,       /* no such file (or not found in PATH) */
    EXECCHECK_NOT_REGULAR,     /* a directory, device, ... */
    EXECCHECK_NOT_EXECUTABLE,  /* no x bit (or the file cannot be read to be checked) */
    EXECCHECK_STATIC_ELF,      /* ELF without PT_INTERP: "not a dynamically linked ELF" */
    EXECCHECK_BAD_FORMAT,      /* neither ELF (x86-64) nor "#!" script, or a corrupt ELF */
    EXECCHECK_BAD_INTERPRETER, /* "#!" or PT_INTERP interpreter missing or failing a check */
} ExecCheckResult;

/* The deepest chain of "#!" interpreters accepted: a script run by a script run by ... at most
 * this many scripts deep before the final ELF. Linux runs 5 and fails the 6th with ELOOP
 * (exec_binprm's depth limit), so we accept exactly what Linux accepts. */
#define EXECCHECK_MAX_SCRIPT_DEPTH 5

/* Resolves `path` like `which`, and writes its canonical absolute path (realpath: symlinks
 * resolved) into `out` (`out_len` bytes including the NUL).
 *  - A path containing '/' is taken as is (relative to the cwd); it only has to exist, so that
 *    execcheck_verify can then say precisely what is wrong with it.
 *  - Otherwise each entry of `search_path` (a PATH string; NULL means getenv("PATH"), and
 *    "/usr/bin:/bin" if that is unset) is tried in order; an empty entry means the cwd. The first
 *    candidate that is a regular file the caller may execute wins, as with which/execvp.
 * Returns 0; -ENOENT (empty path, no such file, not in PATH); -EACCES (found in PATH, but no
 * candidate was an executable regular file, or a directory on the way could not be searched); or
 * -ENAMETOOLONG (a name or the result does not fit). `out` is written only on success. */
int execcheck_resolve(const char* path, const char* search_path, char* out, size_t out_len);

/* Verifies `path` (normally an absolute canonical path from execcheck_resolve): a regular file,
 * at least one x bit, and either a dynamically linked x86-64 ELF (ELF64, little endian, EM_X86_64,
 * ET_EXEC or ET_DYN, with a PT_INTERP program header naming an existing regular file) or a "#!"
 * script whose interpreter (first word after "#!", parsed like Linux's binfmt_script, which must
 * be an absolute path) passes this check recursively, at most EXECCHECK_MAX_SCRIPT_DEPTH scripts
 * deep. When `detail` is not NULL it receives a short text saying what failed, e.g.
 * "/usr/bin/missing: file not found" for a bad interpreter or "32-bit ELF" for a bad format, and
 * "" on success; it is truncated to `detail_len` bytes. */
ExecCheckResult execcheck_verify(const char* path, char* detail, size_t detail_len);

/* One-line description of a result, e.g. "not a dynamically linked ELF" or "no execute
 * permission". Static string; never NULL. */
const char* execcheck_describe(ExecCheckResult r);

/* The (positive) errno Linux's execve gives for this result: NOT_FOUND -> ENOENT, NOT_REGULAR and
 * NOT_EXECUTABLE -> EACCES, BAD_FORMAT -> ENOEXEC, BAD_INTERPRETER -> ENOENT (what execve returns
 * when a script's interpreter is missing). OK and STATIC_ELF give 0: Linux would run a static
 * binary, and it is the caller that refuses it. */
int execcheck_linuxErrno(ExecCheckResult r);

#endif
