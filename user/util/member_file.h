/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * member_file.h - the file a gzip-member writer (ts_writer, pcap_writer)
 * appends to, and its directory.
 *
 * A file is opened O_APPEND | O_NOFOLLOW with mode 0600 and takes one whole
 * member per member_file__append(), written with one write(); a write that
 * fails is truncated back, so the file only ever holds whole members.  What
 * to do with the member then (retry it, drop it) and what to count is the
 * caller's.  Failures are logged here as "<kind> file '<path>': <what>:
 * <cause>": the first of a run, and one with a new cause, as a warning,
 * the others at debug level until a write succeeds (a full disk fails every
 * flush).
 */
#ifndef __DARKSCOPE_MEMBER_FILE_H
#define __DARKSCOPE_MEMBER_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* One after another, the files a writer appends to; read the fields, do not
 * set them. */
struct member_file {
	const char *kind;    /* "series", "capture": starts every message */
	char path[PATH_MAX]; /* the file open, or the last one tried */
	int fd;              /* -1: none open */
	__u64 size;          /* bytes in the open file: whole members only */
	bool torn;           /* a failed write could not be truncated away: the
			      * open file ends with part of a member */
	int fail_err;        /* -errno of the run of failures going on; 0: none */
};

/* No file open yet; kind names the files in messages. */
void member_file__init(struct member_file *f, const char *kind);
/*
 * Close the file open, if any, then open dir/name, creating it if missing,
 * to append to it; size is what it already holds.  0 or -errno (logged;
 * -EINVAL: not a regular file, -ELOOP: a symlink).
 */
int member_file__open(struct member_file *f, const char *dir, const char *name);
/* The same for a file that must not exist yet (O_EXCL): -EEXIST, not
 * logged, when the name is taken, so the caller can try another. */
int member_file__create(struct member_file *f, const char *dir, const char *name);
/*
 * Append one whole member with one write(), or nothing: a failed write is
 * truncated back to the size before it (when even that fails, torn is set).
 * 0 or -errno (logged).
 */
int member_file__append(struct member_file *f, const void *data, size_t len);
/* Log a failure of the caller's about the file (a member it could not
 * build) in the same run as the file's own.  err is -errno. */
void member_file__fail(struct member_file *f, const char *what, int err);
/* Close the file open (none: a no-op); 0 or close()'s -errno. */
int member_file__close(struct member_file *f);

/*
 * mkdir -p dir with mode, then check it is a writable directory that can
 * hold names of up to name_max bytes within PATH_MAX; logs "<what>
 * directory '<dir>': <cause>".  0 or -errno.
 */
int output_dir_prepare(const char *dir, mode_t mode, const char *what, size_t name_max);

#endif /* __DARKSCOPE_MEMBER_FILE_H */
