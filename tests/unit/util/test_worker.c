// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_worker.c - the one-job thread: a job's value comes back from the
 * wait, the caller's periodic work runs while it waits (the job here
 * finishes only after three such calls, so the wait must make them), its
 * error is kept, and stop runs a submitted job before the thread ends.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/worker.h"

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls;     /* of the caller's periodic work */
	int needed;    /* the job returns once calls reaches this */
	int job_runs;
	int meanwhile_err;
	int ret;       /* what the job returns */
};

static void gate_init(struct gate *g, int needed)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->calls = 0;
	g->needed = needed;
	g->job_runs = 0;
	g->meanwhile_err = 0;
	g->ret = 42;
}

static int gated_job(void *arg)
{
	struct gate *g = arg;

	pthread_mutex_lock(&g->lock);
	while (g->calls < g->needed)
		pthread_cond_wait(&g->cond, &g->lock);
	g->job_runs++;
	pthread_mutex_unlock(&g->lock);
	return g->ret;
}

static int meanwhile(void *arg)
{
	struct gate *g = arg;

	pthread_mutex_lock(&g->lock);
	g->calls++;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	return g->meanwhile_err;
}

static int failing_job(void *arg)
{
	struct gate *g = arg;

	g->job_runs++;
	return -EIO;
}

static void test_worker_wait_does_the_callers_work(void **state)
{
	struct worker w;
	struct gate g;

	gate_init(&g, 3);
	assert_int_equal(worker__start(&w), 0);
	assert_int_equal(worker__wait(&w, NULL, NULL, 0), 0); /* nothing ran */
	worker__submit(&w, gated_job, &g);
	assert_true(worker__busy(&w) || g.job_runs == 1);
	assert_int_equal(worker__wait(&w, meanwhile, &g, 1), 42);
	assert_int_equal(g.job_runs, 1);
	assert_int_equal(g.calls, 3); /* exactly: the job ended at the third */
	assert_false(worker__busy(&w));
	assert_int_equal(worker__wait(&w, meanwhile, &g, 1), 0); /* the value is given once */
	worker__stop(&w);
}

static void test_worker_errors(void **state)
{
	struct worker w;
	struct gate g;

	gate_init(&g, 0);
	assert_int_equal(worker__start(&w), 0);
	worker__submit(&w, failing_job, &g);
	assert_int_equal(worker__wait(&w, NULL, NULL, 0), -EIO);
	/* The caller's work failing while a job that succeeds runs. */
	gate_init(&g, 2);
	g.meanwhile_err = -ENOMEM;
	worker__submit(&w, gated_job, &g);
	assert_int_equal(worker__wait(&w, meanwhile, &g, 1), 42); /* the job's own value first */
	gate_init(&g, 2);
	g.meanwhile_err = -ENOMEM;
	g.ret = 0;
	worker__submit(&w, gated_job, &g);
	assert_int_equal(worker__wait(&w, meanwhile, &g, 1), -ENOMEM); /* else the caller's */
	assert_int_equal(g.job_runs, 1);
	worker__stop(&w);
}

static int counting_job(void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_worker_stop_runs_the_submitted_job(void **state)
{
	struct worker w;
	int runs = 0, i;

	for (i = 0; i < 50; i++) {
		assert_int_equal(worker__start(&w), 0);
		worker__submit(&w, counting_job, &runs);
		worker__stop(&w);
		assert_int_equal(runs, i + 1);
	}
	worker__stop(&w); /* twice: harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worker_wait_does_the_callers_work),
		cmocka_unit_test(test_worker_errors),
		cmocka_unit_test(test_worker_stop_runs_the_submitted_job),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
