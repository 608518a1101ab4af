/* Threads (issue 4): 16 threads pass a token around a condition variable ring 50 times each, each
 * has its own tid (the pid is shared), their return values come back through pthread_join, a
 * timed wait times out, and 1000 more threads are created and joined in batches. Under umbra the
 * futex waits behind the mutex, the condition variable and pthread_join block in simulated time,
 * and a timed wait lasts exactly its timeout. */
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

#define N_THREADS 16
#define ROUNDS 50

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn;
static int passes;
static pid_t tids[N_THREADS];

static void* ring(void* arg) {
    long id = (long)arg;
    tids[id] = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        while (turn != id) {
            pthread_cond_wait(&cond, &lock);
        }
        passes++;
        turn = (turn + 1) % N_THREADS;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    }
    return (void*)(id * 3 + 1);
}

static void* quick(void* arg) {
    return arg;
}

int main(void) {
    pthread_t t[N_THREADS];
    for (long i = 0; i < N_THREADS; i++) {
        ASSERT(pthread_create(&t[i], NULL, ring, (void*)i) == 0);
    }
    long sum = 0;
    for (int i = 0; i < N_THREADS; i++) {
        void* r = NULL;
        CHECK(pthread_join(t[i], &r) == 0);
        sum += (long)r;
    }
    CHECK_EQ_LL(passes, N_THREADS * ROUNDS);
    CHECK_EQ_LL(sum, 3 * (N_THREADS * (N_THREADS - 1) / 2) + N_THREADS);
    for (int i = 0; i < N_THREADS; i++) {
        CHECK(tids[i] != getpid());
        for (int j = 0; j < i; j++) {
            CHECK(tids[i] != tids[j]);
        }
    }

    /* A timed wait that nobody signals: ETIMEDOUT after the timeout (exactly, under umbra). */
    struct timespec start, deadline, end;
    clock_gettime(CLOCK_REALTIME, &start);
    deadline = start;
    deadline.tv_sec += 2;
    pthread_mutex_lock(&lock);
    CHECK_EQ_LL(pthread_cond_timedwait(&cond, &lock, &deadline), ETIMEDOUT);
    pthread_mutex_unlock(&lock);
    clock_gettime(CLOCK_REALTIME, &end);
    long long waited = ts_ns(end) - ts_ns(start);
    CHECK(waited >= 2000000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(waited, 2000000000LL);
    }

    /* 1000 threads, created and joined 10 at a time. */
    long total = 0;
    for (int batch = 0; batch < 100; batch++) {
        pthread_t q[10];
        for (long i = 0; i < 10; i++) {
            ASSERT(pthread_create(&q[i], NULL, quick, (void*)(batch * 10 + i)) == 0);
        }
        for (int i = 0; i < 10; i++) {
            void* r = NULL;
            CHECK(pthread_join(q[i], &r) == 0);
            total += (long)r;
        }
    }
    CHECK_EQ_LL(total, 999L * 1000 / 2);
    test_done();
    return 0;
}
