/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * retention.h - capture file names, and max-disk: keeping the newest of a
 * prefix's files in a directory under a byte limit (docs/CAPTURE.md).
 *
 * A file is "<prefix>-YYYY-MM-DDTHH-MM-SS[.N].pcap.gz": the UTC second of
 * its first frame, and a suffix N when that name was taken.  Oldest means by
 * the time in the name, then by N.  Only names of exactly this pattern that
 * are regular files count: other files and symlinks are never touched.
 */
#ifndef __DARKSCOPE_RETENTION_H
#define __DARKSCOPE_RETENTION_H

#include <stddef.h>
#include <linux/types.h>

/* Longest prefix a name may have. */
#define CAPTURE_PREFIX_MAX 64
/* Suffixes used after the plain name is taken: .1 .. .9999. */
#define CAPTURE_SUFFIX_MAX 9999
/* Longest name, NUL included: "<prefix>-<stamp>.NNNN.pcap.gz". */
#define CAPTURE_NAME_MAX (CAPTURE_PREFIX_MAX + 1 + 19 + 5 + 8 + 1)

/* The name of prefix's file for unix second sec with suffix (0: none) into
 * buf.  0 or -ENAMETOOLONG. */
int capture_file_name(char *buf, size_t size, const char *prefix, __u64 sec,
		      unsigned int suffix);

struct retention;

/*
 * Retention for prefix's files in dir (both checked by the caller, dir
 * short enough for CAPTURE_NAME_MAX) under limit bytes (0: no limit, nothing
 * is ever deleted).  Lists no file yet.  NULL with errno set.
 */
struct retention *retention__open(const char *dir, const char *prefix, __u64 limit);
/*
 * List the prefix's files again, oldest first, leaving out open_name (the
 * file being written, or NULL): a file created or closed since the last
 * scan counts from now on.  0, or -errno (logged; the list is then empty).
 */
int retention__scan(struct retention *r, const char *open_name);
/*
 * Delete listed files, oldest first, while the total of the list and
 * open_bytes (the file being written, never deleted) is above the limit;
 * each deletion is logged.  A file that is gone already or cannot be
 * deleted leaves the list all the same (the next scan finds it again if it
 * is still there).  Returns how many files were deleted.
 */
unsigned int retention__enforce(struct retention *r, __u64 open_bytes);
/* Files listed and their bytes. */
void retention__listed(const struct retention *r, size_t *files, __u64 *bytes);
/* NULL is a no-op. */
void retention__close(struct retention *r);

#endif /* __DARKSCOPE_RETENTION_H */
