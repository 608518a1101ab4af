/* Reference-counted closures run by events. Invariant: refcount > 0 while the task is reachable;
 * the free functions run exactly once, on the thread that drops the last reference. */
#include "host/task.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "host/engine_debug.h"

#define TASK_MAGIC 0x7a5c7a5cu

struct _Task {
    TaskCallbackFunc callback;  /* what the event runs */
    void* object;               /* first callback argument (owned if object_free != NULL) */
    void* argument;             /* second callback argument (owned if argument_free != NULL) */
    TaskFreeFunc object_free;   /* frees object when the task is freed, or NULL */
    TaskFreeFunc argument_free; /* frees argument when the task is freed, or NULL */
    atomic_uint refcount;       /* references held by the creator and by queued events */
    ENGINE_MAGIC_DECLARE;
};

Task* task_new(TaskCallbackFunc callback, void* object, void* argument, TaskFreeFunc object_free,
               TaskFreeFunc argument_free) {
    ENGINE_ASSERT(callback != NULL);
    Task* task = calloc(1, sizeof(*task));
    ENGINE_ASSERT(task != NULL);
    task->callback = callback;
    task->object = object;
    task->argument = argument;
    task->object_free = object_free;
    task->argument_free = argument_free;
    atomic_init(&task->refcount, 1);
    ENGINE_MAGIC_INIT(task, TASK_MAGIC);
    return task;
}

void task_ref(Task* task) {
    ENGINE_MAGIC_ASSERT(task, TASK_MAGIC);
    unsigned previous = atomic_fetch_add_explicit(&task->refcount, 1, memory_order_relaxed);
    ENGINE_ASSERT(previous > 0);
}

void task_unref(Task* task) {
    ENGINE_MAGIC_ASSERT(task, TASK_MAGIC);
    unsigned previous = atomic_fetch_sub_explicit(&task->refcount, 1, memory_order_acq_rel);
    ENGINE_ASSERT(previous > 0);
    if (previous > 1) {
        return;
    }
    if (task->object_free != NULL) {
        task->object_free(task->object);
    }
    if (task->argument_free != NULL) {
        task->argument_free(task->argument);
    }
    ENGINE_MAGIC_CLEAR(task);
    free(task);
}

void task_execute(Task* task, Host* host) {
    ENGINE_MAGIC_ASSERT(task, TASK_MAGIC);
    task->callback(host, task->object, task->argument);
}
