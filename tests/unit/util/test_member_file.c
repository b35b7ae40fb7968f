// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* test_util.h */
/*
 * test_member_file.c - append-only member files: mode and flags, append
 * across a reopen, O_EXCL names, symlinks and non-regular files refused, a
 * failed write (RLIMIT_FSIZE standing in for a full disk) truncated back to
 * the old size, the warning at the first failure of a run only, and the
 * output directory checks.
 */
#include "test_util.h"
#include "util/member_file.h"
#include "util/strbuf.h"

/* The file holds exactly want (the files here are small). */
static void assert_file_is(const char *path, const char *want)
{
	static char buf[16384];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(n, strlen(want));
	assert_string_equal(buf, want);
}

static void append_str(struct member_file *f, const char *s)
{
	assert_int_equal(member_file__append(f, s, strlen(s)), 0);
}

/* len copies of c, NUL-terminated. */
static char *text_of(size_t len, char c)
{
	char *s = malloc(len + 1);

	memset(s, c, len);
	s[len] = '\0';
	return s;
}

static void test_member_file_append_and_reopen(void **state)
{
	struct member_file f;
	struct stat st;

	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	member_file__init(&f, "test");
	assert_int_equal(f.fd, -1);
	assert_int_equal(member_file__open(&f, scratch_dir, "a.gz"), 0);
	assert_true(f.fd >= 0);
	assert_int_equal(f.size, 0);
	assert_string_equal(f.path, path_of("a.gz"));
	append_str(&f, "abc");
	append_str(&f, "defg");
	assert_int_equal(f.size, 7);
	assert_int_equal(member_file__close(&f), 0);
	assert_int_equal(f.fd, -1);
	assert_int_equal(f.size, 0);
	/* Closing twice is fine. */
	assert_int_equal(member_file__close(&f), 0);
	assert_int_equal(stat(path_of("a.gz"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Opened again (a restart, SIGHUP): appended to, never truncated. */
	assert_int_equal(member_file__open(&f, scratch_dir, "a.gz"), 0);
	assert_int_equal(f.size, 7);
	append_str(&f, "h");
	assert_int_equal(f.size, 8);
	/* Opening another file closes this one. */
	assert_int_equal(member_file__open(&f, scratch_dir, "b.gz"), 0);
	append_str(&f, "x");
	assert_int_equal(member_file__close(&f), 0);
	assert_file_is(path_of("a.gz"), "abcdefgh");
	assert_file_is(path_of("b.gz"), "x");
}

static void test_member_file_create_never_reuses(void **state)
{
	struct strbuf err_text = STRBUF_INIT;
	struct member_file f;
	struct capture cap;

	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	make_file("taken", 4);
	member_file__init(&f, "test");
	/* A name taken: -EEXIST and silence, so the caller can try the next. */
	capture_begin(&cap, 2);
	assert_int_equal(member_file__create(&f, scratch_dir, "taken"), -EEXIST);
	capture_end(&cap, &err_text);
	assert_string_equal(err_text.buf, "");
	assert_int_equal(f.fd, -1);
	assert_int_equal(file_size(path_of("taken")), 4);

	assert_int_equal(member_file__create(&f, scratch_dir, "new"), 0);
	assert_int_equal(f.size, 0);
	append_str(&f, "n");
	assert_int_equal(member_file__close(&f), 0);
	assert_file_is(path_of("new"), "n");
	strbuf__free(&err_text);
}

static void test_member_file_refuses_links_and_devices(void **state)
{
	struct strbuf err_text = STRBUF_INIT;
	struct member_file f;
	struct capture cap;
	char target[300];

	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	snprintf(target, sizeof(target), "%s/target", scratch_root);
	assert_int_equal(symlink(target, path_of("link")), 0);
	member_file__init(&f, "test");
	capture_begin(&cap, 2);
	assert_int_equal(member_file__open(&f, scratch_dir, "link"), -ELOOP);
	capture_end(&cap, &err_text);
	assert_int_equal(f.fd, -1);
	assert_int_equal(access(target, F_OK), -1);
	/* The warning names the file and the cause. */
	assert_non_null(strstr(err_text.buf, "test file '"));
	assert_non_null(strstr(err_text.buf, path_of("link")));
	assert_non_null(strstr(err_text.buf, strerror(ELOOP)));
	assert_int_equal(member_file__create(&f, scratch_dir, "link"), -EEXIST);

	/* Writable, but not a regular file. */
	capture_begin(&cap, 2);
	assert_int_equal(member_file__open(&f, "/dev", "null"), -EINVAL);
	capture_end(&cap, &err_text);
	assert_int_equal(f.fd, -1);
	assert_non_null(strstr(err_text.buf, "'/dev/null'"));
	assert_non_null(strstr(err_text.buf, "not a regular file"));
	strbuf__free(&err_text);
}

static void test_member_file_failed_write_truncated(void **state)
{
	const char *path = path_of("full.gz");
	char *a = text_of(4000, 'a'), *b = text_of(5000, 'b'), *c = text_of(10, 'c');
	struct strbuf err_text = STRBUF_INIT, want = STRBUF_INIT;
	struct member_file f;
	struct capture cap;

	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	member_file__init(&f, "test");
	assert_int_equal(member_file__open(&f, scratch_dir, "full.gz"), 0);
	append_str(&f, a);

	/* Room for part of b only: write() is cut short, then EFBIG; the part
	 * written is truncated away. */
	set_fsize_limit(4000 + 1000);
	capture_begin(&cap, 2);
	assert_int_equal(member_file__append(&f, b, 5000), -EFBIG);
	capture_end(&cap, &err_text);
	assert_int_equal(file_size(path), 4000);
	assert_int_equal(f.size, 4000);
	assert_false(f.torn);
	assert_int_equal(f.fail_err, -EFBIG);
	assert_non_null(strstr(err_text.buf, path));
	assert_non_null(strstr(err_text.buf, "write failed"));
	assert_non_null(strstr(err_text.buf, strerror(EFBIG)));

	/* No room at all: nothing written, nothing to truncate; the same cause
	 * again is not logged. */
	set_fsize_limit(4000);
	capture_begin(&cap, 2);
	assert_int_equal(member_file__append(&f, c, 10), -EFBIG);
	capture_end(&cap, &err_text);
	assert_string_equal(err_text.buf, "");
	assert_int_equal(file_size(path), 4000);

	/* A new cause in the run is logged, and so is the old one after it. */
	capture_begin(&cap, 2);
	member_file__fail(&f, "cannot compress a member", -ENOMEM);
	assert_int_equal(member_file__append(&f, c, 10), -EFBIG);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, "cannot compress a member"));
	assert_non_null(strstr(err_text.buf, strerror(ENOMEM)));
	assert_non_null(strstr(err_text.buf, strerror(EFBIG)));

	/* Space again: the run ends, and the next failure is a new one. */
	set_fsize_limit(RLIM_INFINITY);
	append_str(&f, c);
	assert_int_equal(f.fail_err, 0);
	assert_int_equal(f.size, 4010);
	set_fsize_limit(4010);
	capture_begin(&cap, 2);
	assert_int_equal(member_file__append(&f, b, 5000), -EFBIG);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, strerror(EFBIG)));
	set_fsize_limit(RLIM_INFINITY);
	assert_int_equal(member_file__close(&f), 0);

	strbuf__append_str(&want, a);
	strbuf__append_str(&want, c);
	assert_file_is(path, strbuf__cstr(&want));
	free(a);
	free(b);
	free(c);
	strbuf__free(&err_text);
	strbuf__free(&want);
}

static void test_member_file_append_without_file(void **state)
{
	struct strbuf err_text = STRBUF_INIT;
	struct member_file f;
	struct capture cap;

	member_file__init(&f, "test");
	capture_begin(&cap, 2);
	assert_int_equal(member_file__append(&f, "x", 1), -EBADF);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, strerror(EBADF)));
	strbuf__free(&err_text);
}

static void test_member_file_output_dir(void **state)
{
	struct strbuf err_text = STRBUF_INIT;
	char file_dir[300];
	struct capture cap;
	struct stat st;
	size_t room;

	/* Parents too, with the mode asked for. */
	strcat(scratch_dir, "/a/b");
	assert_int_equal(output_dir_prepare(scratch_dir, 0700, "test", 32), 0);
	assert_int_equal(stat(scratch_dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* There already: fine. */
	assert_int_equal(output_dir_prepare(scratch_dir, 0700, "test", 32), 0);

	/* dir/name, NUL included, must fit in PATH_MAX for the longest name. */
	room = PATH_MAX - strlen(scratch_dir) - 1;
	assert_int_equal(output_dir_prepare(scratch_dir, 0700, "test", room - 1), 0);
	capture_begin(&cap, 2);
	assert_int_equal(output_dir_prepare(scratch_dir, 0700, "test", room), -ENAMETOOLONG);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, "name too long"));

	snprintf(file_dir, sizeof(file_dir), "%s/file", scratch_root);
	close(open(file_dir, O_CREAT | O_WRONLY, 0600));
	capture_begin(&cap, 2);
	assert_int_equal(output_dir_prepare(file_dir, 0700, "test", 32), -ENOTDIR);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, "test directory '"));
	assert_non_null(strstr(err_text.buf, file_dir));
	assert_non_null(strstr(err_text.buf, strerror(ENOTDIR)));
	strcat(file_dir, "/x");
	capture_begin(&cap, 2);
	assert_int_equal(output_dir_prepare(file_dir, 0700, "test", 32), -ENOTDIR);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, "cannot create it"));
	strbuf__free(&err_text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(test_member_file_append_and_reopen),
		SCRATCH_TEST(test_member_file_create_never_reuses),
		SCRATCH_TEST(test_member_file_refuses_links_and_devices),
		FULL_DISK_TEST(test_member_file_failed_write_truncated),
		SCRATCH_TEST(test_member_file_append_without_file),
		SCRATCH_TEST(test_member_file_output_dir),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
