/* Finding and vetting executables (compat.md 1.8). Shadow checks a program with
 * `ld-linux-x86-64.so.2 --verify`; we read the ELF64 header and program headers ourselves instead,
 * which gives the same answer (a PT_INTERP header is what makes a binary dynamically linked)
 * without running anything.
 *
 * "#!" lines are parsed the way Linux's fs/binfmt_script.c does (Linux >= 5.1): only the first
 * 256 bytes (BINPRM_BUF_SIZE) are looked at; the line ends at the first '\n' or NUL; a line with
 * no end inside those bytes is accepted when the interpreter name itself ends (space, tab or NUL)
 * inside them, since then only the optional argument is cut; spaces and tabs around the name are
 * skipped. A '\r' is part of the name, exactly as in Linux ("/bin/sh\r" does not exist).
 *
 * Deliberate differences from Linux, all refusals: an interpreter name that is not absolute
 * (Linux looks it up from the cwd of the exec'ing process, which is not reproducible), and an
 * empty one ("#!" at end of file: Linux opens the cwd and says EACCES). Linux's errno for these
 * and for a too-deep chain (ELOOP) can differ from execcheck_linuxErrno's ENOENT.
 *
 * Invariants: no heap allocation of our own, no global state, every fd opened here is closed
 * before return (and before recursing into an interpreter, so a chain never holds more than one
 * fd). */
#include "lib/execcheck.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Linux's BINPRM_BUF_SIZE: how much of a file execve looks at to find "#!". */
#define EXECCHECK_BINPRM_BUF_SIZE 256
/* Linux (load_elf_phdrs) refuses a program header table bigger than ELF_MIN_ALIGN, one page. */
#define EXECCHECK_MAX_PHDR_BYTES 4096
/* PATH used when neither the caller nor the environment gives one (glibc execvp's default). */
#define EXECCHECK_DEFAULT_PATH "/usr/bin:/bin"

/* ---- Helpers --------------------------------------------------------------------------------- */

static void _execcheck_setDetail(char* detail, size_t detail_len, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void _execcheck_setDetail(char* detail, size_t detail_len, const char* fmt, ...) {
    if (detail == NULL || detail_len == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, detail_len, fmt, ap);
    va_end(ap);
}

/* Maps a realpath/stat errno to the three errors execcheck_resolve documents. */
static int _execcheck_resolveError(int err) {
    if (err == EACCES) {
        return -EACCES;
    }
    if (err == ENAMETOOLONG) {
        return -ENAMETOOLONG;
    }
    return -ENOENT;
}

/* realpath(path) into out, or a negative errno; out is untouched on failure. */
static int _execcheck_canonicalize(const char* path, char* out, size_t out_len) {
    char buf[PATH_MAX];
    if (realpath(path, buf) == NULL) {
        return _execcheck_resolveError(errno);
    }
    size_t len = strlen(buf);
    if (len + 1 > out_len) {
        return -ENAMETOOLONG;
    }
    memcpy(out, buf, len + 1);
    return 0;
}

/* ---- Resolution ------------------------------------------------------------------------------ */

/* Tries one PATH candidate: 1 if it is an executable regular file, 0 if it exists (or is
 * unreachable because of permissions) but is not usable, -1 if there is nothing there. */
static int _execcheck_tryCandidate(const char* candidate) {
    struct stat st;
    if (stat(candidate, &st) != 0) {
        /* execvp remembers EACCES from an unsearchable directory and reports it at the end. */
        return errno == EACCES ? 0 : -1;
    }
    if (S_ISREG(st.st_mode) && faccessat(AT_FDCWD, candidate, X_OK, AT_EACCESS) == 0) {
        return 1;
    }
    return 0;
}

int execcheck_resolve(const char* path, const char* search_path, char* out, size_t out_len) {
    if (path == NULL || path[0] == '\0') {
        return -ENOENT;
    }
    if (strchr(path, '/') != NULL) {
        return _execcheck_canonicalize(path, out, out_len);
    }
    size_t name_len = strlen(path);
    if (name_len > NAME_MAX) {
        return -ENAMETOOLONG;
    }
    if (search_path == NULL) {
        search_path = getenv("PATH");
    }
    if (search_path == NULL) {
        search_path = EXECCHECK_DEFAULT_PATH;
    }

    bool seen_unusable = false;
    const char* entry = search_path;
    for (;;) {
        const char* end = strchrnul(entry, ':');
        size_t dir_len = (size_t)(end - entry);
        char candidate[PATH_MAX];
        if (dir_len == 0) {
            /* An empty entry is the current directory (POSIX, and what which and execvp do). */
            memcpy(candidate, path, name_len + 1);
        } else if (dir_len + 1 + name_len + 1 <= sizeof(candidate)) {
            memcpy(candidate, entry, dir_len);
            candidate[dir_len] = '/';
            memcpy(candidate + dir_len + 1, path, name_len + 1);
        } else {
            candidate[0] = '\0'; /* an entry too long to be a directory: skip it */
        }
        if (candidate[0] != '\0') {
            int found = _execcheck_tryCandidate(candidate);
            if (found > 0) {
                return _execcheck_canonicalize(candidate, out, out_len);
            }
            seen_unusable |= found == 0;
        }
        if (*end == '\0') {
            break;
        }
        entry = end + 1;
    }
    return seen_unusable ? -EACCES : -ENOENT;
}

/* ---- ELF ------------------------------------------------------------------------------------- */

/* Reads exactly `len` bytes at `offset`; false on error, on a short read, or for an offset that
 * off_t cannot hold. */
static bool _execcheck_readAt(int fd, void* buf, size_t len, uint64_t offset) {
    if (offset > (uint64_t)INT64_MAX - len) {
        return false;
    }
    ssize_t n = pread(fd, buf, len, (off_t)offset);
    return n >= 0 && (size_t)n == len;
}

/* Checks the interpreter named by PT_INTERP: it must exist and be a regular file. It is not
 * verified recursively: ld.so is itself a static binary. */
static ExecCheckResult _execcheck_checkElfInterp(int fd, const Elf64_Phdr* ph, char* detail,
                                                 size_t detail_len) {
    char interp[PATH_MAX];
    /* Linux (load_elf_binary) rejects these sizes and an interpreter without a final NUL. */
    if (ph->p_filesz < 2 || ph->p_filesz > sizeof(interp)) {
        _execcheck_setDetail(detail, detail_len, "bad PT_INTERP size %llu",
                             (unsigned long long)ph->p_filesz);
        return EXECCHECK_BAD_FORMAT;
    }
    if (!_execcheck_readAt(fd, interp, ph->p_filesz, ph->p_offset) ||
        interp[ph->p_filesz - 1] != '\0') {
        _execcheck_setDetail(detail, detail_len, "corrupt PT_INTERP");
        return EXECCHECK_BAD_FORMAT;
    }
    struct stat st;
    if (stat(interp, &st) != 0) {
        _execcheck_setDetail(detail, detail_len, "%s: %s", interp,
                             execcheck_describe(EXECCHECK_NOT_FOUND));
        return EXECCHECK_BAD_INTERPRETER;
    }
    if (!S_ISREG(st.st_mode)) {
        _execcheck_setDetail(detail, detail_len, "%s: %s", interp,
                             execcheck_describe(EXECCHECK_NOT_REGULAR));
        return EXECCHECK_BAD_INTERPRETER;
    }
    return EXECCHECK_OK;
}

/* `head` holds the first `head_len` bytes of the file, which start with the ELF magic. */
static ExecCheckResult _execcheck_checkElf(int fd, const unsigned char* head, size_t head_len,
                                           char* detail, size_t detail_len) {
    /* The class comes first: a 32-bit header is shorter than a 64-bit one. */
    if (head_len > EI_CLASS && head[EI_CLASS] != ELFCLASS64) {
        _execcheck_setDetail(detail, detail_len, "%s ELF",
                             head[EI_CLASS] == ELFCLASS32 ? "32-bit" : "unknown class of");
        return EXECCHECK_BAD_FORMAT;
    }
    Elf64_Ehdr eh;
    if (head_len < sizeof(eh)) {
        _execcheck_setDetail(detail, detail_len, "truncated ELF header");
        return EXECCHECK_BAD_FORMAT;
    }
    memcpy(&eh, head, sizeof(eh));
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
        _execcheck_setDetail(detail, detail_len, "ELF for another machine (e_machine %u)",
                             (unsigned)eh.e_machine);
        return EXECCHECK_BAD_FORMAT;
    }
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
        _execcheck_setDetail(detail, detail_len, "ELF type %u is not an executable",
                             (unsigned)eh.e_type);
        return EXECCHECK_BAD_FORMAT;
    }
    size_t table_len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        table_len > EXECCHECK_MAX_PHDR_BYTES) {
        _execcheck_setDetail(detail, detail_len, "bad program header table");
        return EXECCHECK_BAD_FORMAT;
    }
    Elf64_Phdr phdrs[EXECCHECK_MAX_PHDR_BYTES / sizeof(Elf64_Phdr)];
    if (!_execcheck_readAt(fd, phdrs, table_len, eh.e_phoff)) {
        _execcheck_setDetail(detail, detail_len, "truncated program header table");
        return EXECCHECK_BAD_FORMAT;
    }
    for (int i = 0; i < eh.e_phnum; i++) {
        /* Like Linux, only the first PT_INTERP counts. */
        if (phdrs[i].p_type == PT_INTERP) {
            return _execcheck_checkElfInterp(fd, &phdrs[i], detail, detail_len);
        }
    }
    _execcheck_setDetail(detail, detail_len, "no PT_INTERP program header");
    return EXECCHECK_STATIC_ELF;
}

/* ---- "#!" scripts ---------------------------------------------------------------------------- */

static bool _execcheck_isSpaceTab(char c) {
    return c == ' ' || c == '\t';
}

/* First position in [first, last] that is not a space or tab, or NULL. */
static const char* _execcheck_nextNonSpaceTab(const char* first, const char* last) {
    for (; first <= last; first++) {
        if (!_execcheck_isSpaceTab(*first)) {
            return first;
        }
    }
    return NULL;
}

/* First position in [first, last] that is a space, tab or NUL, or NULL. */
static const char* _execcheck_nextTerminator(const char* first, const char* last) {
    for (; first <= last; first++) {
        if (_execcheck_isSpaceTab(*first) || *first == '\0') {
            return first;
        }
    }
    return NULL;
}

/* Extracts the interpreter name from `buf` (EXECCHECK_BINPRM_BUF_SIZE bytes starting with "#!",
 * zero-padded past the end of the file) into `interp`, as binfmt_script does. Returns false where
 * Linux gives ENOEXEC: only blanks after "#!", or a name cut off by the end of the buffer. */
static bool _execcheck_parseShebang(const char* buf, char* interp, size_t interp_len) {
    const char* buf_end = buf + EXECCHECK_BINPRM_BUF_SIZE - 1;
    const char* line_end = NULL;
    for (const char* p = buf; p <= buf_end && *p != '\0'; p++) {
        if (*p == '\n') {
            line_end = p;
            break;
        }
    }
    if (line_end == NULL) {
        line_end = _execcheck_nextNonSpaceTab(buf + 2, buf_end);
        if (line_end == NULL || _execcheck_nextTerminator(line_end, buf_end) == NULL) {
            return false;
        }
        line_end = buf_end;
    }
    while (_execcheck_isSpaceTab(line_end[-1])) {
        line_end--;
    }
    const char* name = _execcheck_nextNonSpaceTab(buf + 2, line_end);
    if (name == NULL || name == line_end) {
        return false;
    }
    const char* name_end = _execcheck_nextTerminator(name, line_end);
    if (name_end == NULL) {
        name_end = line_end;
    }
    size_t len = (size_t)(name_end - name);
    if (len + 1 > interp_len) {
        return false;
    }
    /* The name may be empty ("#!" then NUL). Linux then opens "" relative to the cwd, a directory,
     * and fails with EACCES; the caller refuses it as a bad interpreter. */
    memcpy(interp, name, len);
    interp[len] = '\0';
    return true;
}

static ExecCheckResult _execcheck_verifyAt(const char* path, int depth, char* detail,
                                           size_t detail_len);

/* `head` is the zero-padded first EXECCHECK_BINPRM_BUF_SIZE bytes of a file starting with "#!",
 * found `depth` scripts deep. */
static ExecCheckResult _execcheck_checkScript(const char* head, int depth, char* detail,
                                              size_t detail_len) {
    char interp[EXECCHECK_BINPRM_BUF_SIZE];
    if (!_execcheck_parseShebang(head, interp, sizeof(interp))) {
        _execcheck_setDetail(detail, detail_len, "no interpreter name in the first %d bytes",
                             EXECCHECK_BINPRM_BUF_SIZE);
        return EXECCHECK_BAD_FORMAT;
    }
    if (interp[0] == '\0') {
        _execcheck_setDetail(detail, detail_len, "empty interpreter name");
        return EXECCHECK_BAD_INTERPRETER;
    }
    if (interp[0] != '/') {
        _execcheck_setDetail(detail, detail_len, "%s: interpreter is not an absolute path", interp);
        return EXECCHECK_BAD_INTERPRETER;
    }
    if (depth + 1 > EXECCHECK_MAX_SCRIPT_DEPTH) {
        _execcheck_setDetail(detail, detail_len, "%s: more than %d levels of #! scripts", interp,
                             EXECCHECK_MAX_SCRIPT_DEPTH);
        return EXECCHECK_BAD_INTERPRETER;
    }
    ExecCheckResult r = _execcheck_verifyAt(interp, depth + 1, detail, detail_len);
    if (r == EXECCHECK_OK || r == EXECCHECK_BAD_INTERPRETER) {
        /* A deeper bad interpreter already named itself in `detail`. */
        return r;
    }
    _execcheck_setDetail(detail, detail_len, "%s: %s", interp, execcheck_describe(r));
    return EXECCHECK_BAD_INTERPRETER;
}

/* ---- Verification ---------------------------------------------------------------------------- */

static ExecCheckResult _execcheck_verifyAt(const char* path, int depth, char* detail,
                                           size_t detail_len) {
    struct stat st;
    if (stat(path, &st) != 0) {
        /* An unsearchable directory on the way gives EACCES from execve. */
        bool denied = errno == EACCES;
        _execcheck_setDetail(detail, detail_len, "%s", denied ? "permission denied" : "");
        return denied ? EXECCHECK_NOT_EXECUTABLE : EXECCHECK_NOT_FOUND;
    }
    if (!S_ISREG(st.st_mode)) {
        _execcheck_setDetail(detail, detail_len, "%s", S_ISDIR(st.st_mode) ? "a directory" : "");
        return EXECCHECK_NOT_REGULAR;
    }
    if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
        _execcheck_setDetail(detail, detail_len, "mode %04o", (unsigned)(st.st_mode & 07777));
        return EXECCHECK_NOT_EXECUTABLE;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        _execcheck_setDetail(detail, detail_len, "cannot be opened for reading");
        return EXECCHECK_NOT_EXECUTABLE;
    }
    /* Zero-filled past the end of the file, as the kernel's buffer is. One extra NUL so the
     * buffer can always be read as a C string. */
    char head[EXECCHECK_BINPRM_BUF_SIZE + 1] = {0};
    ssize_t n = pread(fd, head, EXECCHECK_BINPRM_BUF_SIZE, 0);
    ExecCheckResult r;
    if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0) {
        r = _execcheck_checkElf(fd, (const unsigned char*)head, (size_t)n, detail, detail_len);
        close(fd);
    } else if (n >= 2 && head[0] == '#' && head[1] == '!') {
        close(fd);
        r = _execcheck_checkScript(head, depth, detail, detail_len);
    } else {
        close(fd);
        _execcheck_setDetail(detail, detail_len, "%s",
                             n < 0 ? "read error" : "neither an ELF nor a #! script");
        r = EXECCHECK_BAD_FORMAT;
    }
    return r;
}

ExecCheckResult execcheck_verify(const char* path, char* detail, size_t detail_len) {
    _execcheck_setDetail(detail, detail_len, "%s", "");
    if (path == NULL || path[0] == '\0') {
        return EXECCHECK_NOT_FOUND;
    }
    ExecCheckResult r = _execcheck_verifyAt(path, 0, detail, detail_len);
    if (r == EXECCHECK_OK) {
        _execcheck_setDetail(detail, detail_len, "%s", "");
    }
    return r;
}

/* ---- Descriptions ---------------------------------------------------------------------------- */

const char* execcheck_describe(ExecCheckResult r) {
    switch (r) {
        case EXECCHECK_OK:
            return "ok";
        case EXECCHECK_NOT_FOUND:
            return "file not found";
        case EXECCHECK_NOT_REGULAR:
            return "not a regular file";
        case EXECCHECK_NOT_EXECUTABLE:
            return "no execute permission";
        case EXECCHECK_STATIC_ELF:
            return "not a dynamically linked ELF";
        case EXECCHECK_BAD_FORMAT:
            return "not an x86-64 ELF or a #! script";
        case EXECCHECK_BAD_INTERPRETER:
            return "interpreter missing or unusable";
    }
    return "unknown execcheck result";
}

int execcheck_linuxErrno(ExecCheckResult r) {
    switch (r) {
        case EXECCHECK_OK:
        case EXECCHECK_STATIC_ELF:
            return 0;
        case EXECCHECK_NOT_FOUND:
        case EXECCHECK_BAD_INTERPRETER:
            return ENOENT;
        case EXECCHECK_NOT_REGULAR:
        case EXECCHECK_NOT_EXECUTABLE:
            return EACCES;
        case EXECCHECK_BAD_FORMAT:
            return ENOEXEC;
    }
    return EINVAL;
}
