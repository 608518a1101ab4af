/* Congestion control for the TCP engine (tcp_internal.h): Reno (RFC 5681) and CUBIC (RFC 9438,
 * as Linux's tcp_cubic.c behaves: beta 0.7, C 0.4, fast convergence, the Reno-friendly region,
 * the window one RTT ahead as the target, at most 1.5 cwnd; no HyStart, so slow start ends at
 * the first loss).
 *
 * The window counts segments, as Linux's; increases go through cwnd_cnt (acks counted towards
 * the next one-segment increase). CUBIC's curve is computed in doubles: the same inputs give the
 * same outputs, which is all determinism needs. */
#include "host/tcp_internal.h"

#include <string.h>

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

/* ---- Shared -------------------------------------------------------------------------------- */

uint32_t tcpcc_slowStart(TcpConn* c, uint32_t acked) {
    uint32_t cwnd = c->cwnd + acked;
    if (cwnd > c->ssthresh) {
        cwnd = c->ssthresh > c->cwnd ? c->ssthresh : c->cwnd;
    }
    acked -= cwnd - c->cwnd;
    c->cwnd = cwnd;
    return acked;
}

void tcpcc_increase(TcpConn* c, uint32_t w, uint32_t acked) {
    if (w == 0) {
        w = 1;
    }
    if (c->cwnd_cnt >= w) { /* w shrank since: no more credit than one increase */
        c->cwnd_cnt = 0;
        c->cwnd++;
    }
    c->cwnd_cnt += acked;
    if (c->cwnd_cnt >= w) {
        uint32_t delta = c->cwnd_cnt / w;
        c->cwnd_cnt -= delta * w;
        c->cwnd += delta;
    }
}

/* ---- Reno ---------------------------------------------------------------------------------- */

static void _tcpcc_renoInit(TcpConn* c) {
}

static uint32_t _tcpcc_renoSsthresh(TcpConn* c) {
    return c->cwnd / 2 > 2 ? c->cwnd / 2 : 2;
}

static void _tcpcc_renoCongAvoid(TcpConn* c, uint32_t acked, SimTime now) {
    if (c->cwnd < c->ssthresh) {
        acked = tcpcc_slowStart(c, acked);
        if (acked == 0) {
            return;
        }
    }
    tcpcc_increase(c, c->cwnd, acked);
}

static void _tcpcc_renoOnRto(TcpConn* c) {
}

const TcpCcOps tcpcc_reno = {
    .name = "reno",
    .init = _tcpcc_renoInit,
    .ssthresh = _tcpcc_renoSsthresh,
    .cong_avoid = _tcpcc_renoCongAvoid,
    .on_rto = _tcpcc_renoOnRto,
};

/* ---- CUBIC --------------------------------------------------------------------------------- */

/* The cube root by Newton's method (no libm needed, exact enough for windows). */
static double _tcpcc_cbrt(double x) {
    if (x <= 0) {
        return 0;
    }
    double r = x > 1 ? x / 3 : 1;
    for (int i = 0; i < 100; i++) {
        double next = (2 * r + x / (r * r)) / 3;
        if (next == r || (next > r ? next - r : r - next) < 1e-9 * r) {
            return next;
        }
        r = next;
    }
    return r;
}

static void _tcpcc_cubicInit(TcpConn* c) {
    memset(&c->cubic, 0, sizeof(c->cubic));
    c->cubic.epoch_start = SIMTIME_INVALID;
}

static uint32_t _tcpcc_cubicSsthresh(TcpConn* c) {
    TcpCubic* cu = &c->cubic;
    cu->epoch_start = SIMTIME_INVALID;
    /* Fast convergence (RFC 9438 4.7): a flow that lost before regaining its last maximum
     * releases bandwidth to newer flows. */
    if ((double)c->cwnd < cu->w_max) {
        cu->w_max = c->cwnd * (1 + CUBIC_BETA) / 2;
    } else {
        cu->w_max = c->cwnd;
    }
    uint32_t ss = (uint32_t)(c->cwnd * CUBIC_BETA);
    return ss > 2 ? ss : 2;
}

/* Linux's bictcp_update: how many acks per one-segment increase. */
static void _tcpcc_cubicUpdate(TcpConn* c, uint32_t acked, SimTime now) {
    TcpCubic* cu = &c->cubic;
    double cwnd = c->cwnd;
    if (cu->epoch_start == SIMTIME_INVALID) {
        cu->epoch_start = now;
        cu->w_est = cwnd;
        if (cu->w_max <= cwnd) {
            cu->k = 0;
            cu->origin = cwnd;
        } else {
            cu->k = _tcpcc_cbrt((cu->w_max - cwnd) / CUBIC_C);
            cu->origin = cu->w_max;
        }
    }
    /* Where the curve is one RTT from now (RFC 9438 4.2: the target). */
    double t = (double)(now - cu->epoch_start + c->min_rtt) / SIMTIME_ONE_SECOND;
    double d = t - cu->k;
    double target = cu->origin + CUBIC_C * d * d * d;
    if (target > 1.5 * cwnd) {
        target = 1.5 * cwnd;
    }
    double cnt = target > cwnd ? cwnd / (target - cwnd) : 100 * cwnd;
    if (cu->w_max == 0 && cnt > 20) {
        cnt = 20; /* no loss yet: grow at least 5% per RTT (Linux) */
    }
    /* The Reno-friendly region (RFC 9438 4.3): W_est grows by alpha per window of acks, alpha
     * 3(1-beta)/(1+beta); CUBIC is never slower than it. */
    double alpha = 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
    cu->w_est += alpha * acked / cwnd;
    if (cu->w_est > cwnd) {
        double friendly = cwnd / (cu->w_est - cwnd);
        if (friendly < cnt) {
            cnt = friendly;
        }
    }
    cu->cnt = cnt < 2 ? 2 : (uint32_t)cnt;
}

static void _tcpcc_cubicCongAvoid(TcpConn* c, uint32_t acked, SimTime now) {
    if (c->cwnd < c->ssthresh) {
        acked = tcpcc_slowStart(c, acked);
        if (acked == 0) {
            return;
        }
    }
    _tcpcc_cubicUpdate(c, acked, now);
    tcpcc_increase(c, c->cubic.cnt, acked);
}

static void _tcpcc_cubicOnRto(TcpConn* c) {
    _tcpcc_cubicInit(c); /* Linux's bictcp_reset on CA_Loss */
}

const TcpCcOps tcpcc_cubic = {
    .name = "cubic",
    .init = _tcpcc_cubicInit,
    .ssthresh = _tcpcc_cubicSsthresh,
    .cong_avoid = _tcpcc_cubicCongAvoid,
    .on_rto = _tcpcc_cubicOnRto,
};

const TcpCcOps* tcpcc_find(const char* name) {
    if (name == NULL) {
        return NULL;
    }
    if (strcmp(name, "cubic") == 0) {
        return &tcpcc_cubic;
    }
    if (strcmp(name, "reno") == 0) {
        return &tcpcc_reno;
    }
    return NULL;
}
