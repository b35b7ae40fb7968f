// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * worker.c - one job at a time on a thread of its own (worker.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "util/worker.h"

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->job && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->job)
			break; /* stop, and nothing left to run */
		worker_fn job = w->job;
		void *job_arg = w->arg;

		pthread_mutex_unlock(&w->lock);
		int result = job(job_arg);

		pthread_mutex_lock(&w->lock);
		w->job = NULL;
		w->result = result;
		w->busy = false;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int worker__start(struct worker *w)
{
	pthread_condattr_t attr;
	int err;

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	/* Monotonic: a clock step must not stretch or cut the waits. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return -err;
	}
	w->started = true;
	return 0;
}

void worker__submit(struct worker *w, worker_fn job, void *arg)
{
	pthread_mutex_lock(&w->lock);
	w->job = job;
	w->arg = arg;
	w->busy = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void deadline_after(struct timespec *t, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

int worker__wait(struct worker *w, worker_fn meanwhile, void *arg, unsigned int period_ms)
{
	struct timespec until;
	int err = 0, result;

	pthread_mutex_lock(&w->lock);
	while (w->busy) {
		if (!meanwhile) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		deadline_after(&until, period_ms);
		while (w->busy && pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
			;
		if (!w->busy)
			break;
		/* The caller's own work runs without the lock: the job may finish. */
		pthread_mutex_unlock(&w->lock);
		int ret = meanwhile(arg);

		err = err ?: ret;
		pthread_mutex_lock(&w->lock);
	}
	result = w->result;
	w->result = 0;
	pthread_mutex_unlock(&w->lock);
	return result ?: err;
}

bool worker__busy(struct worker *w)
{
	bool busy;

	pthread_mutex_lock(&w->lock);
	busy = w->busy;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

void worker__stop(struct worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	w->started = false;
}
