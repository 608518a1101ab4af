/* A Task is a reference-counted closure run by an event: a callback plus an object and an
 * argument, each with an optional free function called when the last reference is dropped.
 *
 * Ownership: task_new returns a task with one reference owned by the caller. Scheduling a task
 * (host_scheduleTask*, worker_sendRemoteEvent) takes its own reference, so the caller unrefs its
 * reference when done with it. The same task may be scheduled several times and on several hosts.
 *
 * Threading: the reference count is atomic, so references may be dropped on any worker thread.
 * The object and argument are not protected: a task scheduled on two hosts must only share
 * objects that are safe to touch from two threads. */
#ifndef SIM_HOST_TASK_H_
#define SIM_HOST_TASK_H_

typedef struct _Host Host;
typedef struct _Task Task;

/* Runs on the destination host's worker with that host active. `host` is borrowed. */
typedef void (*TaskCallbackFunc)(Host* host, void* object, void* argument);
/* Frees the task's object or argument; called once, when the task is freed. */
typedef void (*TaskFreeFunc)(void* data);

/* New task with refcount 1 (caller must unref). `callback` must not be NULL; the free functions
 * may be NULL when the task does not own the object/argument. */
Task* task_new(TaskCallbackFunc callback, void* object, void* argument, TaskFreeFunc object_free,
               TaskFreeFunc argument_free);
void task_ref(Task* task);
/* Drops one reference; at zero calls the free functions and frees the task. */
void task_unref(Task* task);

/* Calls the callback with `host` (borrowed). */
void task_execute(Task* task, Host* host);

#endif
