/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * worker.h - a thread that runs one job at a time, for work that must not
 * hold up its caller: the daemon's interval write, which takes a second at
 * 10^6 keys while the flow log has to be read every 100 ms.
 *
 * The caller hands a job over with worker__submit() and, before it touches
 * what the job uses again, waits with worker__wait(), which can go on
 * doing the caller's own periodic work meanwhile.  The job's return value
 * comes back from that wait.
 */
#ifndef __DARKSCOPE_WORKER_H
#define __DARKSCOPE_WORKER_H

#include <pthread.h>
#include <stdbool.h>

typedef int (*worker_fn)(void *arg);

struct worker {
	pthread_t thread;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;  /* a job submitted, finished, or stop asked */
	worker_fn job;
	void *arg;
	bool busy;    /* a job submitted and not yet finished */
	bool stop;
	bool started;
	int result;   /* the finished job's return value, until waited for */
};

/* 0 or -errno (the thread could not be made). */
int worker__start(struct worker *w);
/* Runs job(arg) on the thread.  The previous job must have been waited for. */
void worker__submit(struct worker *w, worker_fn job, void *arg);
/* Waits until no job is running and returns the last job's value (0 if
 * none ran since the last wait).  While waiting, calls meanwhile(arg) every
 * period_ms (if meanwhile is not NULL); its first error is returned when
 * the job's own value is 0. */
int worker__wait(struct worker *w, worker_fn meanwhile, void *arg, unsigned int period_ms);
bool worker__busy(struct worker *w);
/* Waits for a running job, then ends the thread; safe if never started. */
void worker__stop(struct worker *w);

#endif /* __DARKSCOPE_WORKER_H */
