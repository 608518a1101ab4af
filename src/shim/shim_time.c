/* Time inside the managed process, with no round trip: every clock id reads 2000-01-01 plus the
 * simulated time the simulator stored in the thread's channel before handing it control. Programs
 * reach this through the exported libc names, through a trapped syscall, or through the vDSO, whose
 * entries are patched to jump here (glibc calls the vDSO directly).
 *
 * With model_unblocked_syscall_latency, each time call charges unblocked_vdso_latency; once more
 * than max_unapplied_cpu_latency is owed, the shim asks the simulator to let that time pass
 * (UMBRA_SYSCALL_YIELD), so a loop polling the clock sees it move. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <time.h>

#include "lib/simtime.h"
#include "shim/shim.h"

/* Charges `ns` of modelled CPU time; yields to the simulator once too much is owed. */
static void _shim_chargeLatency(IpcChannel* ch, uint64_t ns) {
    if (!ch->model_latency) {
        return;
    }
    shim_thread.unapplied_latency += ns;
    if (shim_thread.unapplied_latency > ch->max_unapplied_cpu_latency) {
        long args[6] = {0, 0, 0, 0, 0, 0};
        shim_ipcSyscall(UMBRA_SYSCALL_YIELD, args); /* reports and resets unapplied_latency */
    }
}

/* Simulated time as seen by programs, in ns since the Unix epoch. */
static uint64_t _shim_now(void) {
    IpcChannel* ch = shim_thread.channel;
    _shim_chargeLatency(ch, ch->unblocked_vdso_latency);
    return UMBRA_EPOCH_UNIX_SEC * SIMTIME_ONE_SECOND + atomic_load(&ch->sim_time) +
           shim_thread.unapplied_latency;
}

static bool _shim_validClock(long clock_id) {
    /* The kernel's static clock ids (0..11 minus the unused 10) and CPU-time clocks of other
     * processes or threads (negative ids) are all answered with the simulated clock. */
    return (clock_id >= 0 && clock_id <= 11 && clock_id != 10) || clock_id < 0;
}

long shim_clockGettime(long clock_id, struct timespec* ts) {
    if (!_shim_validClock(clock_id)) {
        return -EINVAL;
    }
    uint64_t now = _shim_now();
    ts->tv_sec = (time_t)(now / SIMTIME_ONE_SECOND);
    ts->tv_nsec = (long)(now % SIMTIME_ONE_SECOND);
    return 0;
}

long shim_clockGetres(long clock_id, struct timespec* res) {
    if (!_shim_validClock(clock_id)) {
        return -EINVAL;
    }
    if (res != NULL) {
        res->tv_sec = 0;
        res->tv_nsec = 1;
    }
    return 0;
}

long shim_gettimeofday(struct timeval* tv, void* tz) {
    if (tv != NULL) {
        uint64_t now = _shim_now();
        tv->tv_sec = (time_t)(now / SIMTIME_ONE_SECOND);
        tv->tv_usec = (suseconds_t)(now % SIMTIME_ONE_SECOND / 1000);
    }
    if (tz != NULL) {
        memset(tz, 0, 8); /* struct timezone: UTC, no DST */
    }
    return 0;
}

long shim_time(long* out) {
    long t = (long)(_shim_now() / SIMTIME_ONE_SECOND);
    if (out != NULL) {
        *out = t;
    }
    return t;
}

/* ----------------------------------------------------------------------------------------------
 * vDSO patching: overwrite each time entry with `movabs $target, %rax; jmp *%rax`.
 * ---------------------------------------------------------------------------------------------- */

static int _shim_vdsoClockGettime(clockid_t id, struct timespec* ts) {
    if (shim_thread.channel == NULL) {
        return (int)shim_rawSyscall(SYS_clock_gettime, id, (long)ts, 0, 0, 0, 0);
    }
    return (int)shim_clockGettime(id, ts);
}

static int _shim_vdsoGettimeofday(struct timeval* tv, void* tz) {
    if (shim_thread.channel == NULL) {
        return (int)shim_rawSyscall(SYS_gettimeofday, (long)tv, (long)tz, 0, 0, 0, 0);
    }
    return (int)shim_gettimeofday(tv, tz);
}

static long _shim_vdsoTime(long* out) {
    if (shim_thread.channel == NULL) {
        return shim_rawSyscall(SYS_time, (long)out, 0, 0, 0, 0, 0);
    }
    return shim_time(out);
}

static int _shim_vdsoClockGetres(clockid_t id, struct timespec* res) {
    if (shim_thread.channel == NULL) {
        return (int)shim_rawSyscall(SYS_clock_getres, id, (long)res, 0, 0, 0, 0);
    }
    return (int)shim_clockGetres(id, res);
}

/* Returns false if the entry cannot be patched (too small, or the kernel refuses to make the
 * vDSO writable, as some do). */
static bool _shim_patchEntry(unsigned char* entry, size_t size, void* target) {
    enum { PATCH_LEN = 12 };
    if (size < PATCH_LEN) {
        return false;
    }
    long page = (long)entry & ~4095L;
    long len = ((long)entry + PATCH_LEN - page + 4095) & ~4095L;
    if (shim_rawSyscall(SYS_mprotect, page, len, PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0) !=
        0) {
        return false;
    }
    entry[0] = 0x48; /* movabs $target, %rax */
    entry[1] = 0xb8;
    memcpy(entry + 2, &target, 8);
    entry[10] = 0xff; /* jmp *%rax */
    entry[11] = 0xe0;
    shim_rawSyscall(SYS_mprotect, page, len, PROT_READ | PROT_EXEC, 0, 0, 0);
    return true;
}

/* Fallback when the vDSO cannot be written: glibc calls the vDSO through function pointers that
 * ld.so stores in _rtld_global_ro (RELRO memory of ld.so, which can be made writable). Every
 * pointer-sized word of that structure equal to a vDSO time entry is pointed at the shim. */
static void _shim_patchRtldPointers(const uintptr_t* from, void* const* to, size_t n) {
    void* rtld = dlsym(RTLD_DEFAULT, "_rtld_global_ro");
    Dl_info info;
    const ElfW(Sym)* sym = NULL;
    if (rtld == NULL || dladdr1(rtld, &info, (void**)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL) {
        return;
    }
    uintptr_t start = (uintptr_t)rtld;
    uintptr_t end = start + sym->st_size;
    long page = (long)(start & ~4095UL);
    long len = (long)(((end + 4095) & ~4095UL) - (uintptr_t)page);
    if (shim_rawSyscall(SYS_mprotect, page, len, PROT_READ | PROT_WRITE, 0, 0, 0) != 0) {
        return;
    }
    for (uintptr_t* word = (uintptr_t*)((start + 7) & ~7UL); (uintptr_t)(word + 1) <= end; word++) {
        for (size_t i = 0; i < n; i++) {
            if (*word == from[i]) {
                *word = (uintptr_t)to[i];
            }
        }
    }
    shim_rawSyscall(SYS_mprotect, page, len, PROT_READ, 0, 0, 0);
}

void shim_patchVdso(void) {
    unsigned char* base = (unsigned char*)getauxval(AT_SYSINFO_EHDR);
    if (base == NULL) {
        return;
    }
    const Elf64_Ehdr* eh = (const Elf64_Ehdr*)base;
    const Elf64_Shdr* sh = (const Elf64_Shdr*)(base + eh->e_shoff);
    const Elf64_Sym* syms = NULL;
    const char* strtab = NULL;
    size_t n_syms = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type == SHT_DYNSYM) {
            syms = (const Elf64_Sym*)(base + sh[i].sh_offset);
            n_syms = sh[i].sh_size / sizeof(Elf64_Sym);
            strtab = (const char*)(base + sh[sh[i].sh_link].sh_offset);
        }
    }
    if (syms == NULL) {
        return;
    }
    static const struct {
        const char* name;
        void* target;
    } entries[] = {
        {"__vdso_clock_gettime", (void*)_shim_vdsoClockGettime},
        {"__vdso_gettimeofday", (void*)_shim_vdsoGettimeofday},
        {"__vdso_time", (void*)_shim_vdsoTime},
        {"__vdso_clock_getres", (void*)_shim_vdsoClockGetres},
    };
    enum { N_ENTRIES = sizeof(entries) / sizeof(entries[0]) };
    uintptr_t unpatched[N_ENTRIES];
    void* targets[N_ENTRIES];
    size_t n_unpatched = 0;
    for (size_t s = 0; s < n_syms; s++) {
        const char* name = strtab + syms[s].st_name;
        for (size_t e = 0; e < N_ENTRIES; e++) {
            if (strcmp(name, entries[e].name) != 0 || syms[s].st_value == 0) {
                continue;
            }
            unsigned char* entry = base + syms[s].st_value;
            if (!_shim_patchEntry(entry, syms[s].st_size, entries[e].target)) {
                unpatched[n_unpatched] = (uintptr_t)entry;
                targets[n_unpatched] = entries[e].target;
                n_unpatched++;
            }
        }
    }
    if (n_unpatched > 0) {
        _shim_patchRtldPointers(unpatched, targets, n_unpatched);
    }
}
