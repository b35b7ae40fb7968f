/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ts_writer.h - appends one series (flows, ports or sensor) to hourly
 * gzip files "<dir>/<series>-YYYY-MM-DDTHH.tsv.gz" (docs/FORMAT.md).
 *
 * Every append is one complete gzip member written with one write(), so a
 * crash never leaves half a member.  A failed write is rolled back and the
 * member kept in memory, to be retried in order by the next append, by
 * ts_writer__flush_pending() or at close.  Failures are logged (file and
 * cause) by the writer itself: the first of a run, and a new cause, as a
 * warning (util/member_file.h).
 */
#ifndef __DARKSCOPE_TS_WRITER_H
#define __DARKSCOPE_TS_WRITER_H

#include <stddef.h>
#include <linux/types.h>

/* Memory kept for members that could not be written; beyond it the oldest
 * are dropped (and counted). */
#define TS_WRITER_PENDING_LIMIT (256UL << 20)

/* What the header member of every file opened says (no control chars). */
struct ts_writer_meta {
	const char *sensor;    /* "# sensor:" */
	const char *iface;     /* "# iface:" */
	const char *version;   /* "# version:", the daemon's (DS_VERSION) */
	unsigned int interval; /* "# interval:", seconds */
	__u64 started;         /* "# started:", attach time, unix seconds */
	int level;             /* gzip level 1..9 (zlib's scale); 0: 1, the fastest */
};

struct ts_writer;

/*
 * Writer for series (lowercase letters, digits, '_') with the given
 * tab-separated column list, whose first column must be "ts".  Creates dir
 * (mode 0755, with parents) if missing and checks it is a writable directory;
 * opens no file yet.  NULL with errno set on failure.
 */
struct ts_writer *ts_writer__open(const char *dir, const char *series, const char *columns,
				  const struct ts_writer_meta *meta);
/*
 * Compress text (complete lines) into one member and append it to the file
 * of the UTC hour holding ts, opening or switching files as needed; a file
 * opened gets a header member first.  Older pending members go first; an
 * empty text only retries those.  0, or -errno: the member is then pending,
 * unless it had to be dropped (counted in dropped_members).
 */
int ts_writer__append(struct ts_writer *w, __u64 ts, const void *text, size_t len);
/* SIGHUP: close the file; the next append opens it again (re-creating it if
 * it was moved or deleted) and writes a header member.  0 or -errno. */
int ts_writer__reopen(struct ts_writer *w);
/* Retry the pending members in order; 0 when none is left, or -errno. */
int ts_writer__flush_pending(struct ts_writer *w);
/* Failed member writes (and opens) so far; members dropped from the queue. */
void ts_writer__stats(const struct ts_writer *w, __u64 *write_errors, __u64 *dropped_members);
/* Pending members and their compressed bytes. */
void ts_writer__pending(const struct ts_writer *w, size_t *members, size_t *bytes);
/* Change the pending limit (TS_WRITER_PENDING_LIMIT by default). */
void ts_writer__set_pending_limit(struct ts_writer *w, size_t bytes);
/* Retry pending members once (what still fails is lost, and logged), close
 * the file, free w.  NULL is a no-op. */
void ts_writer__close(struct ts_writer *w);

#endif /* __DARKSCOPE_TS_WRITER_H */
