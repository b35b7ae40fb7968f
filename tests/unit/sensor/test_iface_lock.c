// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_iface_lock.c - one sensor per (namespace, interface): the lock's
 * file name, refusal while held, release, and a planted symlink.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include "sensor/iface_lock.h"
#include "util/log.h"

/* The name holds the interface and this namespace's inode. */
static void test_iface_lock_path(void **state)
{
	char path[128], want[128];
	struct stat st;

	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	snprintf(want, sizeof(want), "/run/darkscope/ds0.netns%lu.lock", (unsigned long)st.st_ino);
	assert_int_equal(iface_lock_path(IFACE_LOCK_DIR, "ds0", path, sizeof(path)), 0);
	assert_string_equal(path, want);
	assert_int_equal(iface_lock_path(IFACE_LOCK_DIR, "ds0", path, 20), -ENAMETOOLONG);
}

/* Held: a second taker is refused with EBUSY and told who holds it; after
 * release the lock can be taken again. */
static void test_iface_lock_refuses_second(void **state)
{
	struct iface_lock a, b;
	struct strbuf err = STRBUF_INIT;
	struct capture c;

	assert_int_equal(iface_lock__take(&a, scratch_dir, "eth7"), 0);
	assert_true(a.fd >= 0);
	assert_int_equal(access(a.path, F_OK), 0);

	capture_begin(&c, STDERR_FILENO);
	assert_int_equal(iface_lock__take(&b, scratch_dir, "eth7"), -EBUSY);
	capture_end(&c, &err);
	assert_int_equal(b.fd, -1);
	assert_non_null(strstr(strbuf__cstr(&err), "already running on interface 'eth7'"));
	assert_non_null(strstr(strbuf__cstr(&err), a.path));

	/* Another interface is another lock. */
	assert_int_equal(iface_lock__take(&b, scratch_dir, "eth8"), 0);
	iface_lock__release(&b);

	iface_lock__release(&a);
	assert_int_equal(a.fd, -1);
	assert_int_equal(iface_lock__take(&b, scratch_dir, "eth7"), 0);
	iface_lock__release(&b);
	iface_lock__release(&b); /* twice is harmless */
	strbuf__free(&err);
}

/* A symlink planted where the lock file goes is not followed. */
static void test_iface_lock_no_symlink(void **state)
{
	struct iface_lock l;
	char path[128];

	assert_int_equal(mkdir(scratch_dir, 0755), 0);
	assert_int_equal(iface_lock_path(scratch_dir, "eth7", path, sizeof(path)), 0);
	assert_int_equal(symlink(path_of("target"), path), 0);
	assert_int_equal(iface_lock__take(&l, scratch_dir, "eth7"), -ELOOP);
	assert_int_equal(l.fd, -1);
	assert_int_equal(access(path_of("target"), F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iface_lock_path),
		SCRATCH_TEST(test_iface_lock_refuses_second),
		SCRATCH_TEST(test_iface_lock_no_symlink),
	};

	log_set_level(LOG_INFO);
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
