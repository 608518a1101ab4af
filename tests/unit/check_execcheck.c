/* Executable lookup and checks (compat.md 1.8): `which`-style resolution with custom PATH strings,
 * and verification of ELF binaries and "#!" scripts. Files are made in a fresh temp dir per test.
 * Where Linux has an opinion, the test also runs execve natively and compares its errno with
 * execcheck_linuxErrno: Linux decides what is correct. */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/execcheck.h"

#define STATIC_FIXTURE UMBRA_SOURCE_DIR "/tests/fixtures/static-exit"

static char _tmp[PATH_MAX]; /* canonical path of this test's temp dir */

static void _setup(void) {
    char templ[] = "/tmp/umbra-execcheck.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(templ));
    ck_assert_ptr_nonnull(realpath(templ, _tmp));
}

static int _removeEntry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
    return remove(path);
}

static void _teardown(void) {
    nftw(_tmp, _removeEntry, 16, FTW_DEPTH | FTW_PHYS);
}

/* "<tmp>/<name>" in one of a few rotating buffers, so several can be live at once. */
static const char* _tp(const char* name) {
    static char bufs[8][PATH_MAX];
    static int next;
    char* b = bufs[next++ % 8];
    int n = snprintf(b, PATH_MAX, "%s/%s", _tmp, name);
    ck_assert(n > 0 && n < PATH_MAX);
    return b;
}

static const char* _writeBytes(const char* name, const void* data, size_t len, mode_t mode) {
    const char* path = _tp(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

static const char* _writeText(const char* name, const char* text, mode_t mode) {
    return _writeBytes(name, text, strlen(text), mode);
}

/* Runs execve(path) natively in a child and returns the errno it failed with (0 if it ran). */
static int _nativeErrno(const char* path) {
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char* argv[] = {(char*)path, NULL};
        char* envp[] = {NULL};
        execve(path, argv, envp);
        _exit(errno);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* verify(path) gives `want`; the detail contains `detail_part` (when not NULL). */
static void _expect(const char* path, ExecCheckResult want, const char* detail_part) {
    char detail[256] = "unset";
    ExecCheckResult r = execcheck_verify(path, detail, sizeof(detail));
    ck_assert_msg(r == want, "%s: got %d (%s: %s), want %d (%s)", path, r, execcheck_describe(r),
                  detail, want, execcheck_describe(want));
    if (want == EXECCHECK_OK) {
        ck_assert_str_eq(detail, "");
    }
    if (detail_part != NULL) {
        ck_assert_msg(strstr(detail, detail_part) != NULL, "%s: detail '%s' lacks '%s'", path,
                      detail, detail_part);
    }
}

/* As _expect, and Linux's execve fails with the errno execcheck_linuxErrno announces. */
static void _expectNative(const char* path, ExecCheckResult want, const char* detail_part) {
    _expect(path, want, detail_part);
    ck_assert_int_ne(execcheck_linuxErrno(want), 0);
    int native = _nativeErrno(path);
    ck_assert_msg(native == execcheck_linuxErrno(want), "%s: Linux says %s, we say %s", path,
                  strerror(native), strerror(execcheck_linuxErrno(want)));
}

/* ---- resolve --------------------------------------------------------------------------------- */

START_TEST(test_resolve_sh) {
    char out[PATH_MAX], want[PATH_MAX];
    ck_assert_int_eq(execcheck_resolve("sh", "/usr/bin:/bin", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(realpath("/usr/bin/sh", want));
    ck_assert_str_eq(out, want);
    /* With umbra's own PATH: some sh, canonical, and usable. */
    ck_assert_int_eq(execcheck_resolve("sh", NULL, out, sizeof(out)), 0);
    ck_assert_int_eq(out[0], '/');
    _expect(out, EXECCHECK_OK, NULL);
}
END_TEST

START_TEST(test_resolve_python3) {
    char out[PATH_MAX];
    int rc = execcheck_resolve("python3", NULL, out, sizeof(out));
    if (rc == -ENOENT) {
        return; /* no python3 on this machine */
    }
    ck_assert_int_eq(rc, 0);
    const char* base = strrchr(out, '/') + 1;
    ck_assert_msg(strncmp(base, "python", 6) == 0, "python3 resolved to %s", out);
    _expect(out, EXECCHECK_OK, NULL); /* a real binary, or a "#!/usr/bin/env bash" shim */
}
END_TEST

START_TEST(test_resolve_absolute) {
    char out[PATH_MAX], want[PATH_MAX];
    ck_assert_int_eq(execcheck_resolve("/bin/true", "/nonexistent", out, sizeof(out)), 0);
    ck_assert_ptr_nonnull(realpath("/bin/true", want));
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(execcheck_resolve("/nonexistent/program", NULL, out, sizeof(out)), -ENOENT);
    ck_assert_int_eq(execcheck_resolve("/bin/true/", NULL, out, sizeof(out)), -ENOENT);
}
END_TEST

START_TEST(test_resolve_relative) {
    char out[PATH_MAX];
    _writeText("x", "#!/bin/sh\n", 0755);
    ck_assert_int_eq(mkdir(_tp("sub"), 0755), 0);
    ck_assert_int_eq(symlink("x", _tp("link")), 0);
    ck_assert_int_eq(chdir(_tmp), 0);
    ck_assert_int_eq(execcheck_resolve("./x", NULL, out, sizeof(out)), 0);
    ck_assert_str_eq(out, _tp("x"));
    ck_assert_int_eq(execcheck_resolve("sub/../x", NULL, out, sizeof(out)), 0);
    ck_assert_str_eq(out, _tp("x"));
    /* A symlink resolves to its target, whose file name names the output files. */
    ck_assert_int_eq(execcheck_resolve("./link", NULL, out, sizeof(out)), 0);
    ck_assert_str_eq(out, _tp("x"));
    ck_assert_int_eq(execcheck_resolve("./missing", NULL, out, sizeof(out)), -ENOENT);
    /* With a '/', resolution only needs the file to exist; verify says what is wrong. */
    _writeText("plain", "data\n", 0644);
    ck_assert_int_eq(execcheck_resolve("./plain", NULL, out, sizeof(out)), 0);
    ck_assert_str_eq(out, _tp("plain"));
}
END_TEST

START_TEST(test_resolve_not_in_path) {
    char out[PATH_MAX] = "untouched";
    ck_assert_int_eq(execcheck_resolve("umbra-no-such-program-7f3a", NULL, out, sizeof(out)),
                     -ENOENT);
    ck_assert_int_eq(execcheck_resolve("", NULL, out, sizeof(out)), -ENOENT);
    char long_name[NAME_MAX + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    ck_assert_int_eq(execcheck_resolve(long_name, NULL, out, sizeof(out)), -ENAMETOOLONG);
    ck_assert_str_eq(out, "untouched");
}
END_TEST

START_TEST(test_resolve_custom_path) {
    char out[PATH_MAX], search[4 * PATH_MAX];
    ck_assert_int_eq(mkdir(_tp("a"), 0755), 0);
    ck_assert_int_eq(mkdir(_tp("b"), 0755), 0);
    ck_assert_int_eq(mkdir(_tp("c"), 0755), 0);
    ck_assert_int_eq(mkdir(_tp("c/tool"), 0755), 0); /* a directory is not a match */
    ck_assert_int_eq(mkdir(_tp("cwd"), 0755), 0);
    _writeText("a/tool", "#!/bin/sh\n", 0644); /* found first, but not executable */
    _writeText("b/tool", "#!/bin/sh\n", 0755);
    _writeText("cwd/here", "#!/bin/sh\n", 0755);
    ck_assert_int_eq(chdir(_tp("cwd")), 0);

    snprintf(search, sizeof(search), "/nonexistent::%s:%s:%s", _tp("a"), _tp("c"), _tp("b"));
    ck_assert_int_eq(execcheck_resolve("tool", search, out, sizeof(out)), 0);
    ck_assert_str_eq(out, _tp("b/tool"));
    /* The empty entry is the cwd. */
    ck_assert_int_eq(execcheck_resolve("here", search, out, sizeof(out)), 0);
    ck_assert_str_eq(out, _tp("cwd/here"));
    ck_assert_int_eq(execcheck_resolve("here", "", out, sizeof(out)), 0);
    ck_assert_str_eq(out, _tp("cwd/here"));
    ck_assert_int_eq(execcheck_resolve("here", "/usr/bin:", out, sizeof(out)), 0);
    ck_assert_int_eq(execcheck_resolve("here", "/usr/bin", out, sizeof(out)), -ENOENT);
    /* Only unusable matches: EACCES, as execvp says. */
    snprintf(search, sizeof(search), "%s:%s", _tp("a"), _tp("c"));
    ck_assert_int_eq(execcheck_resolve("tool", search, out, sizeof(out)), -EACCES);
    ck_assert_int_eq(execcheck_resolve("tool", "/nonexistent:/usr/bin", out, sizeof(out)), -ENOENT);
}
END_TEST

START_TEST(test_resolve_short_buffer) {
    char out[4] = "abc";
    ck_assert_int_eq(execcheck_resolve("/bin/true", NULL, out, sizeof(out)), -ENAMETOOLONG);
    ck_assert_str_eq(out, "abc");
}
END_TEST

/* ---- verify: files and ELF binaries ---------------------------------------------------------- */

START_TEST(test_verify_dynamic) {
    _expect("/bin/true", EXECCHECK_OK, NULL);
    char out[PATH_MAX];
    ck_assert_int_eq(execcheck_resolve("/bin/true", NULL, out, sizeof(out)), 0);
    _expect(out, EXECCHECK_OK, NULL);
    ck_assert_int_eq(symlink(out, _tp("true-link")), 0);
    _expect(_tp("true-link"), EXECCHECK_OK, NULL);
    ck_assert_int_eq(execcheck_verify("/bin/true", NULL, 0), EXECCHECK_OK);
}
END_TEST

START_TEST(test_verify_static) {
    _expect(STATIC_FIXTURE, EXECCHECK_STATIC_ELF, "PT_INTERP");
    ck_assert_str_eq(execcheck_describe(EXECCHECK_STATIC_ELF), "not a dynamically linked ELF");
    /* Linux itself runs it: the fixture is a real program, and the refusal is ours. */
    ck_assert_int_eq(execcheck_linuxErrno(EXECCHECK_STATIC_ELF), 0);
    ck_assert_int_eq(_nativeErrno(STATIC_FIXTURE), 0);
}
END_TEST

START_TEST(test_verify_files) {
    _expectNative(_tp("missing"), EXECCHECK_NOT_FOUND, NULL);
    _expectNative(_writeText("noexec", "#!/bin/sh\n", 0644), EXECCHECK_NOT_EXECUTABLE, "0644");
    _expect(_writeText("user-x", "#!/bin/sh\n", 0744), EXECCHECK_OK, NULL);
    _expect(_writeText("other-x", "#!/bin/sh\n", 0641), EXECCHECK_OK, NULL);
    ck_assert_int_eq(mkdir(_tp("dir"), 0755), 0);
    _expectNative(_tp("dir"), EXECCHECK_NOT_REGULAR, "directory");
    _expect("/dev/null", EXECCHECK_NOT_REGULAR, NULL);
    _expectNative(_writeText("text", "echo hello\n", 0755), EXECCHECK_BAD_FORMAT, NULL);
    _expectNative(_writeText("empty", "", 0755), EXECCHECK_BAD_FORMAT, NULL);
    _expect("", EXECCHECK_NOT_FOUND, NULL);
}
END_TEST

/* A minimal ELF64 file: header, a PT_LOAD, optionally a PT_INTERP naming `interp`. */
static const char* _writeElf(const char* name, uint16_t machine, uint16_t type, const char* interp,
                             bool nul_terminated) {
    unsigned char file[512] = {0};
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = type;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(eh);
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = interp != NULL ? 2 : 1;
    Elf64_Phdr ph[2] = {{.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_align = 4096}};
    size_t len = sizeof(eh) + sizeof(ph);
    if (interp != NULL) {
        size_t ilen = strlen(interp) + (nul_terminated ? 1 : 0);
        ph[1] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = len, .p_filesz = ilen};
        memcpy(file + len, interp, ilen);
        len += ilen;
    }
    memcpy(file, &eh, sizeof(eh));
    memcpy(file + sizeof(eh), ph, sizeof(ph));
    return _writeBytes(name, file, len, 0755);
}

START_TEST(test_verify_elf_headers) {
    _expect(_writeElf("dyn", EM_X86_64, ET_DYN, "/lib64/ld-linux-x86-64.so.2", true), EXECCHECK_OK,
            NULL);
    _expect(_writeElf("exec", EM_X86_64, ET_EXEC, "/lib64/ld-linux-x86-64.so.2", true),
            EXECCHECK_OK, NULL);
    _expect(_writeElf("static", EM_X86_64, ET_EXEC, NULL, false), EXECCHECK_STATIC_ELF, NULL);
    _expectNative(_writeElf("no-ld", EM_X86_64, ET_DYN, "/nonexistent/ld.so", true),
                  EXECCHECK_BAD_INTERPRETER, "/nonexistent/ld.so");
    _expectNative(
        _writeElf("ld-unterminated", EM_X86_64, ET_DYN, "/lib64/ld-linux-x86-64.so.2", false),
        EXECCHECK_BAD_FORMAT, "PT_INTERP");
    _expect(_writeElf("arm", EM_AARCH64, ET_DYN, "/lib/ld-linux-aarch64.so.1", true),
            EXECCHECK_BAD_FORMAT, "machine");
    _expectNative(_writeElf("object", EM_X86_64, ET_REL, NULL, false), EXECCHECK_BAD_FORMAT,
                  "type");
}
END_TEST

START_TEST(test_verify_elf_garbage) {
    Elf32_Ehdr eh32 = {.e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT};
    memcpy(eh32.e_ident, ELFMAG, SELFMAG);
    eh32.e_ident[EI_CLASS] = ELFCLASS32;
    eh32.e_ident[EI_DATA] = ELFDATA2LSB;
    _expect(_writeBytes("elf32", &eh32, sizeof(eh32), 0755), EXECCHECK_BAD_FORMAT, "32-bit");
    _expect(_writeBytes("magic-only",
                        "\x7f"
                        "ELF",
                        4, 0755),
            EXECCHECK_BAD_FORMAT, "truncated");
    /* A plausible header whose program headers lie beyond the end of the file. */
    Elf64_Ehdr eh = {.e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_phoff = 1 << 20;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 3;
    _expect(_writeBytes("phoff", &eh, sizeof(eh), 0755), EXECCHECK_BAD_FORMAT, "truncated");
    eh.e_phoff = UINT64_MAX - 8;
    _expect(_writeBytes("phoff-huge", &eh, sizeof(eh), 0755), EXECCHECK_BAD_FORMAT, NULL);
    eh.e_phoff = sizeof(eh);
    eh.e_phnum = 1000;
    _expect(_writeBytes("phnum", &eh, sizeof(eh), 0755), EXECCHECK_BAD_FORMAT, "table");
    eh.e_phnum = 1;
    eh.e_phentsize = 32;
    _expect(_writeBytes("phentsize", &eh, sizeof(eh), 0755), EXECCHECK_BAD_FORMAT, "table");
}
END_TEST

/* ---- verify: "#!" scripts -------------------------------------------------------------------- */

START_TEST(test_verify_scripts) {
    _expect(_writeText("sh", "#!/bin/sh\necho hi\n", 0755), EXECCHECK_OK, NULL);
    _expect(_writeText("no-newline", "#!/bin/sh", 0755), EXECCHECK_OK, NULL);
    _expect(_writeText("spaces", "#!  \t/bin/sh  \t\n", 0755), EXECCHECK_OK, NULL);
    _expect(_writeText("env", "#!/usr/bin/env python3\n", 0755), EXECCHECK_OK, NULL);
    _expect(_writeText("env-arg", "#! /usr/bin/env sh -e\n", 0755), EXECCHECK_OK, NULL);
    /* The script itself still needs an x bit. */
    _expectNative(_writeText("sh-noexec", "#!/bin/sh\n", 0600), EXECCHECK_NOT_EXECUTABLE, NULL);
}
END_TEST

START_TEST(test_verify_bad_interpreters) {
    ck_assert_int_eq(chdir(_tmp), 0); /* Linux looks for a relative interpreter in the cwd */
    _expectNative(_writeText("missing", "#!/nonexistent/interp -x\n", 0755),
                  EXECCHECK_BAD_INTERPRETER, "/nonexistent/interp");
    char text[PATH_MAX + 8];
    snprintf(text, sizeof(text), "#!%s\n", STATIC_FIXTURE);
    _expect(_writeText("static-interp", text, 0755), EXECCHECK_BAD_INTERPRETER,
            "not a dynamically linked ELF");
    snprintf(text, sizeof(text), "#!%s\n", _writeText("data", "1234\n", 0644));
    _expect(_writeText("noexec-interp", text, 0755), EXECCHECK_BAD_INTERPRETER,
            "/data: no execute permission");
    snprintf(text, sizeof(text), "#!%s\n", _writeText("data-x", "1234\n", 0755));
    _expect(_writeText("text-interp", text, 0755), EXECCHECK_BAD_INTERPRETER,
            "/data-x: not an x86-64 ELF or a #! script");
    _expect(_writeText("dir-interp", "#!/tmp\n", 0755), EXECCHECK_BAD_INTERPRETER,
            "/tmp: not a regular file");
    _expectNative(_writeText("crlf", "#!/bin/sh\r\n", 0755), EXECCHECK_BAD_INTERPRETER,
                  "/bin/sh\r");
    _expectNative(_writeText("relative", "#!sh\n", 0755), EXECCHECK_BAD_INTERPRETER, "absolute");
    /* "#!" then end of file: an empty name. Linux opens "" relative to the cwd, finds a directory
     * and says EACCES; we refuse it as a bad interpreter (ENOENT). "#!" then a newline: ENOEXEC. */
    _expect(_writeText("bare", "#!", 0755), EXECCHECK_BAD_INTERPRETER, "empty");
    ck_assert_int_eq(_nativeErrno(_tp("bare")), EACCES);
    _expectNative(_writeText("bare-nl", "#!\n", 0755), EXECCHECK_BAD_FORMAT, NULL);
    _expectNative(_writeText("blank", "#!  \t \n", 0755), EXECCHECK_BAD_FORMAT, NULL);
}
END_TEST

START_TEST(test_verify_long_line) {
    /* Longer than 255 bytes, but the name ends early: only the argument is cut off. */
    char text[600];
    int n = snprintf(text, sizeof(text), "#!/bin/sh -");
    memset(text + n, 'a', 400);
    strcpy(text + n + 400, "\necho hi\n");
    _expect(_writeText("long-arg", text, 0755), EXECCHECK_OK, NULL);
    /* The name itself runs past byte 256: ENOEXEC. */
    n = snprintf(text, sizeof(text), "#!/");
    memset(text + n, 'b', 400);
    strcpy(text + n + 400, "\n");
    _expectNative(_writeText("long-name", text, 0755), EXECCHECK_BAD_FORMAT, NULL);
    /* A name of 250 bytes that still fits: resolved (and missing). */
    n = snprintf(text, sizeof(text), "#!/");
    memset(text + n, 'c', 250);
    strcpy(text + n + 250, "\n");
    _expectNative(_writeText("fits", text, 0755), EXECCHECK_BAD_INTERPRETER, "/ccc");
}
END_TEST

/* Writes s1 (#!/bin/sh), s2 (#!s1), ... sN and returns sN's path. */
static const char* _writeChain(int levels) {
    const char* path = NULL;
    char prev[PATH_MAX] = "/bin/sh";
    for (int i = 1; i <= levels; i++) {
        char name[16], text[PATH_MAX + 8];
        snprintf(name, sizeof(name), "s%d", i);
        snprintf(text, sizeof(text), "#!%s\n", prev);
        path = _writeText(name, text, 0755);
        snprintf(prev, sizeof(prev), "%s", path);
    }
    return path;
}

START_TEST(test_verify_chain) {
    _expect(_writeChain(3), EXECCHECK_OK, NULL);
    char deepest[PATH_MAX], too_deep[PATH_MAX];
    snprintf(deepest, sizeof(deepest), "%s", _writeChain(EXECCHECK_MAX_SCRIPT_DEPTH));
    _expect(deepest, EXECCHECK_OK, NULL);
    ck_assert_int_eq(_nativeErrno(deepest), 0); /* Linux runs it (sh ignores the "#!" line) */
    snprintf(too_deep, sizeof(too_deep), "%s", _writeChain(EXECCHECK_MAX_SCRIPT_DEPTH + 1));
    _expect(too_deep, EXECCHECK_BAD_INTERPRETER, "levels");
    ck_assert_int_eq(_nativeErrno(too_deep), ELOOP); /* the same limit as Linux's */
    /* A loop ends at the depth limit too. */
    char text[PATH_MAX + 8];
    snprintf(text, sizeof(text), "#!%s\n", _tp("loop"));
    _expect(_writeText("loop", text, 0755), EXECCHECK_BAD_INTERPRETER, "levels");
    /* A failure deep in the chain names the deepest bad interpreter. */
    _writeText("s1", "#!/nonexistent/deep\n", 0755);
    _expect(_tp("s3"), EXECCHECK_BAD_INTERPRETER, "/nonexistent/deep");
}
END_TEST

/* ---- describe and errno ---------------------------------------------------------------------- */

START_TEST(test_describe_and_errno) {
    static const struct {
        ExecCheckResult r;
        int err;
    } cases[] = {
        {EXECCHECK_OK, 0},
        {EXECCHECK_NOT_FOUND, ENOENT},
        {EXECCHECK_NOT_REGULAR, EACCES},
        {EXECCHECK_NOT_EXECUTABLE, EACCES},
        {EXECCHECK_STATIC_ELF, 0},
        {EXECCHECK_BAD_FORMAT, ENOEXEC},
        {EXECCHECK_BAD_INTERPRETER, ENOENT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(execcheck_linuxErrno(cases[i].r), cases[i].err);
        const char* text = execcheck_describe(cases[i].r);
        ck_assert_ptr_nonnull(text);
        ck_assert(strchr(text, '\n') == NULL);
        for (size_t j = 0; j < i; j++) {
            ck_assert_str_ne(text, execcheck_describe(cases[j].r));
        }
    }
    ck_assert_str_eq(execcheck_describe(EXECCHECK_NOT_EXECUTABLE), "no execute permission");
    ck_assert_ptr_nonnull(execcheck_describe((ExecCheckResult)99));
}
END_TEST

Suite* check_execcheck_suite(void) {
    Suite* s = suite_create("check_execcheck");
    TCase* tc = tcase_create("resolve");
    tcase_add_checked_fixture(tc, _setup, _teardown);
    tcase_add_test(tc, test_resolve_sh);
    tcase_add_test(tc, test_resolve_python3);
    tcase_add_test(tc, test_resolve_absolute);
    tcase_add_test(tc, test_resolve_relative);
    tcase_add_test(tc, test_resolve_not_in_path);
    tcase_add_test(tc, test_resolve_custom_path);
    tcase_add_test(tc, test_resolve_short_buffer);
    suite_add_tcase(s, tc);
    tc = tcase_create("verify");
    tcase_add_checked_fixture(tc, _setup, _teardown);
    tcase_add_test(tc, test_verify_dynamic);
    tcase_add_test(tc, test_verify_static);
    tcase_add_test(tc, test_verify_files);
    tcase_add_test(tc, test_verify_elf_headers);
    tcase_add_test(tc, test_verify_elf_garbage);
    tcase_add_test(tc, test_verify_scripts);
    tcase_add_test(tc, test_verify_bad_interpreters);
    tcase_add_test(tc, test_verify_long_line);
    tcase_add_test(tc, test_verify_chain);
    tcase_add_test(tc, test_describe_and_errno);
    suite_add_tcase(s, tc);
    return s;
}
