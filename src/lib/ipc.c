/* Channel handoff: bounded spin, then futex sleep (see ipc.h for the handshake). Plain C, no libc
 * calls that make syscalls: the shim links this file and must make every syscall itself. */
#include "lib/ipc.h"

#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

void ipc_channelInit(IpcChannel* ch, uint32_t spin_limit) {
    memset(ch, 0, sizeof(*ch));
    ch->magic = IPC_CHANNEL_MAGIC;
    ch->version = UMBRA_PROTOCOL_VERSION;
    ch->spin_limit = spin_limit;
    /* The shim speaks first (START), so it owns a fresh channel; then it waits for its first run,
     * which may be a while. */
    atomic_store(&ch->turn, IPC_TURN_SHIM);
    atomic_store(&ch->shim_parked, 1);
}

static _Atomic uint32_t* _ipc_sleepFlag(IpcChannel* ch, uint32_t side) {
    return side == IPC_TURN_SHIM ? &ch->shim_sleeping : &ch->sim_sleeping;
}

void ipc_give(IpcChannel* ch, uint32_t to, IpcSyscallFunc sys) {
    atomic_store(&ch->turn, to);
    if (atomic_load(_ipc_sleepFlag(ch, to))) {
        sys(SYS_futex, (long)&ch->turn, FUTEX_WAKE, 1, 0, 0, 0);
    }
}

static inline void _ipc_pause(void) {
    __asm__ volatile("pause" ::: "memory");
}

int ipc_wait(IpcChannel* ch, uint32_t mine, int64_t timeout_ns, IpcSyscallFunc sys) {
    /* A parked shim will not get the turn soon: spinning would only take the CPU from others. */
    uint32_t spins = (mine == IPC_TURN_SHIM && atomic_load(&ch->shim_parked)) ? 0 : ch->spin_limit;
    for (uint32_t i = 0; i < spins; i++) {
        if (atomic_load_explicit(&ch->turn, memory_order_acquire) == mine) {
            return 0;
        }
        _ipc_pause();
        if (mine == IPC_TURN_SHIM && (i & 255) == 255 && atomic_load(&ch->shim_parked)) {
            break;
        }
    }
    _Atomic uint32_t* sleeping = _ipc_sleepFlag(ch, mine);
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    for (;;) {
        atomic_store(sleeping, 1);
        uint32_t turn = atomic_load(&ch->turn);
        if (turn == mine) {
            atomic_store(sleeping, 0);
            return 0;
        }
        long rv = sys(SYS_futex, (long)&ch->turn, FUTEX_WAIT, (long)turn,
                      timeout_ns > 0 ? (long)&ts : 0, 0, 0);
        atomic_store(sleeping, 0);
        if (atomic_load_explicit(&ch->turn, memory_order_acquire) == mine) {
            return 0;
        }
        if (rv == -ETIMEDOUT) {
            return -ETIMEDOUT;
        }
    }
}
