// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rollup_out.c - temporary file, whole gzip members, fsync and rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rollup/rollup_out.h"
#include "util/log.h"

static int tmp_name(char *out, size_t size, const char *name)
{
	return (size_t)snprintf(out, size, ".%s.tmp", name) >= size ? -ENAMETOOLONG : 0;
}

int rollup_out__open(struct rollup_out *o, const char *dir, const char *name, int level)
{
	char tmp[ROLLUP_NAME_MAX + 8], path[PATH_MAX];
	int err;

	memset(o, 0, sizeof(*o));
	member_file__init(&o->file, "rollup");
	if (strlen(dir) >= sizeof(o->dir) || strlen(name) >= sizeof(o->name) ||
	    tmp_name(tmp, sizeof(tmp), name) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, tmp) >= sizeof(path))
		return -ENAMETOOLONG;
	strcpy(o->dir, dir);
	strcpy(o->name, name);
	err = gz_out__init(&o->gz, level);
	if (err)
		return err;
	/* Only a dead run of ours leaves one: the caller holds the lock. */
	if (unlink(path) && errno != ENOENT)
		pr_warn("rollup file '%s': cannot remove a leftover: %s\n", path, strerror(errno));
	err = member_file__create(&o->file, dir, tmp);
	if (err == -EEXIST)
		pr_warn("rollup file '%s': exists\n", path);
	if (err)
		gz_out__free(&o->gz);
	return err;
}

int rollup_out__member(void *out, const char *text, size_t len)
{
	struct rollup_out *o = out;
	int err;

	if (!len)
		return 0;
	err = gz_out__member(&o->gz, text, len, &o->member);
	if (err) {
		member_file__fail(&o->file, "cannot compress a member", err);
		return err;
	}
	err = member_file__append(&o->file, o->member.buf, o->member.len);
	if (err)
		return err;
	o->members++;
	o->bytes += o->member.len;
	return 0;
}

/* Make the rename itself durable. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int rollup_out__commit(struct rollup_out *o)
{
	char final[PATH_MAX];
	int err = 0;

	if (fsync(o->file.fd))
		err = -errno;
	if (!err && (size_t)snprintf(final, sizeof(final), "%s/%s", o->dir, o->name) >= sizeof(final))
		err = -ENAMETOOLONG;
	if (!err && rename(o->file.path, final))
		err = -errno;
	if (err) {
		member_file__fail(&o->file, "cannot commit it", err);
		return err;
	}
	o->committed = true;
	err = sync_dir(o->dir);
	if (err)
		pr_warn("rollup directory '%s': fsync: %s\n", o->dir, strerror(-err));
	return 0;
}

void rollup_out__close(struct rollup_out *o)
{
	if (o->file.fd >= 0 && !o->committed && unlink(o->file.path))
		pr_warn("rollup file '%s': cannot remove it: %s\n", o->file.path, strerror(errno));
	member_file__close(&o->file);
	gz_out__free(&o->gz);
	strbuf__free(&o->member);
}
