// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * member_file.c - append-only files of whole gzip members.
 *
 * The size a failed write is truncated back to comes from fstat() just
 * before the write, not from what this process wrote: whatever else
 * happened to the file (a copytruncate), only the partial member goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "util/member_file.h"

void member_file__init(struct member_file *f, const char *kind)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->fd = -1;
}

/* One failure in the run: warn at its start and when the cause changes. */
static void report(struct member_file *f, const char *what, int err, const char *cause)
{
	if (err != f->fail_err)
		pr_warn("%s file '%s': %s: %s (until a write succeeds, further failures with "
			"this cause are counted, not logged)\n", f->kind, f->path, what, cause);
	else
		pr_debug("%s file '%s': %s: %s\n", f->kind, f->path, what, cause);
	f->fail_err = err;
}

void member_file__fail(struct member_file *f, const char *what, int err)
{
	report(f, what, err, strerror(-err));
}

static int open_file(struct member_file *f, const char *dir, const char *name, int excl)
{
	const char *what = excl ? "cannot create it" : "cannot open it";
	struct stat st;
	int fd, err;

	member_file__close(f);
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir, name) >= sizeof(f->path)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | excl, 0600);
	if (fd < 0) {
		err = -errno;
		if (excl && err == -EEXIST)
			return err;
		goto fail;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		report(f, what, -EINVAL, "not a regular file");
		return -EINVAL;
	}
	f->fd = fd;
	f->size = st.st_size;
	return 0;
fail:
	member_file__fail(f, what, err);
	return err;
}

int member_file__open(struct member_file *f, const char *dir, const char *name)
{
	return open_file(f, dir, name, 0);
}

int member_file__create(struct member_file *f, const char *dir, const char *name)
{
	return open_file(f, dir, name, O_EXCL);
}

/* All of buf to fd, retrying after EINTR and short writes; *written says
 * how much went out either way.  0 or -errno (-EIO: nothing written). */
static int write_all(int fd, const void *buf, size_t len, size_t *written)
{
	const char *p = buf;

	*written = 0;
	while (*written < len) {
		ssize_t n = write(fd, p + *written, len - *written);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		*written += n;
	}
	return 0;
}

int member_file__append(struct member_file *f, const void *data, size_t len)
{
	size_t written;
	struct stat st;
	int err;

	if (fstat(f->fd, &st)) {
		err = -errno;
		goto fail;
	}
	err = write_all(f->fd, data, len, &written);
	if (!err) {
		f->size = st.st_size + len;
		f->fail_err = 0;
		return 0;
	}
	if (written && ftruncate(f->fd, st.st_size)) {
		f->torn = true;
		pr_warn("%s file '%s': cannot truncate a partial member away: %s\n", f->kind,
			f->path, strerror(errno));
	}
fail:
	member_file__fail(f, "write failed", err);
	return err;
}

int member_file__close(struct member_file *f)
{
	int err = 0;

	if (f->fd >= 0 && close(f->fd))
		err = -errno;
	f->fd = -1;
	f->size = 0;
	f->torn = false;
	return err;
}

static int make_dirs(const char *dir, mode_t mode)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; p < path + len; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int output_dir_prepare(const char *dir, mode_t mode, const char *what, size_t name_max)
{
	struct stat st;
	int err;

	if (strlen(dir) + 1 + name_max >= PATH_MAX) {
		pr_warn("%s directory '%s': name too long\n", what, dir);
		return -ENAMETOOLONG;
	}
	err = make_dirs(dir, mode);
	if (err) {
		pr_warn("%s directory '%s': cannot create it: %s\n", what, dir, strerror(-err));
		return err;
	}
	if (stat(dir, &st))
		err = -errno;
	else if (!S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS))
		err = -errno;
	if (err)
		pr_warn("%s directory '%s': not writable: %s\n", what, dir, strerror(-err));
	return err;
}
