/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gz_members.h - the text of a series file's complete gzip members, one
 * block at a time, cut exactly where the Python reader cuts them
 * (scripts/darkscope_lib/reader.py, _members and _reread), so that what
 * the C aggregation counts and warns about is what the Python report does.
 *
 * - A member of up to GZM_HOLD bytes of text is one block.  A larger one is
 *   cut into slices ending at a line's end, where Python's reader cuts it
 *   (at the last newline of each GZM_SLICE-byte piece zlib gives when fed
 *   GZM_SLICE-byte reads of the member).
 * - A member cut short at the end of the file, corrupt data, a file that
 *   cannot be opened or read: the reading stops with an event saying so
 *   (the offsets and zlib's message are the Python reader's).
 *
 * libdeflate inflates whole members (about twice zlib's speed); zlib is used
 * where libdeflate says no, to tell a torn member from a corrupt one with
 * zlib's words, and for zlib-format members (Python's reader takes both).
 */
#ifndef __DARKSCOPE_GZ_MEMBERS_H
#define __DARKSCOPE_GZ_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Python's reader: a member's text up to this size is parsed whole... */
#define GZM_HOLD (8U << 20)
/* ...a larger one in slices of about this size. */
#define GZM_SLICE (1U << 20)

enum gzm_status {
	GZM_BLOCK = 1,     /* a block of text is in hand */
	GZM_END = 0,       /* clean end of the file */
	GZM_OPEN = -1,     /* open failed: err */
	GZM_READ = -2,     /* read failed: err */
	GZM_CORRUPT = -3,  /* bad data in the member at offset: message */
	GZM_TRUNCATED = -4,/* the member at offset has present bytes, no end */
	GZM_NOMEM = -5,
};

struct gzm_block {
	const char *text; /* not NUL-terminated; valid until the next call */
	size_t len;
};

struct gz_members;

/* A reader for files one after another; NULL on no memory. */
struct gz_members *gz_members__new(void);
void gz_members__free(struct gz_members *g);
/* Start reading path (closing the previous file).  GZM_OPEN on failure
 * (gz_members__err() says why), else GZM_END. */
enum gzm_status gz_members__open(struct gz_members *g, const char *path);
/* The next block, or why there is none: GZM_END and the errors are final
 * for the file. */
enum gzm_status gz_members__next(struct gz_members *g, struct gzm_block *out);
/* After an error: errno (GZM_OPEN, GZM_READ), the member's file offset and
 * bytes present (GZM_CORRUPT, GZM_TRUNCATED), and for GZM_CORRUPT the text
 * Python's zlib.error carries ("Error -3 while decompressing data: ..."). */
int gz_members__err(const struct gz_members *g);
__u64 gz_members__offset(const struct gz_members *g);
__u64 gz_members__present(const struct gz_members *g);
const char *gz_members__message(const struct gz_members *g);
/* File offset of the member the last block came from. */
__u64 gz_members__member_start(const struct gz_members *g);

#endif /* __DARKSCOPE_GZ_MEMBERS_H */
