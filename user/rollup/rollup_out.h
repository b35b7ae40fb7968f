/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rollup_out.h - a rollup file written whole or not at all: members go to
 * "DIR/.NAME.tmp" (mode 0600, created exclusively), which is fsync()ed and
 * renamed to DIR/NAME on commit, so a reader sees the old file or the new
 * one, never part of one.  Not committed, the temporary file is removed.
 * The caller keeps other writers away (rollup_dir.c's lock).
 */
#ifndef __DARKSCOPE_ROLLUP_OUT_H
#define __DARKSCOPE_ROLLUP_OUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rollup/rollup_names.h"
#include "util/gz_out.h"
#include "util/member_file.h"
#include "util/strbuf.h"

/* Where the text of one member goes (rollup_out__member, a spill run):
 * 0 or -errno. */
typedef int (*member_sink)(void *ctx, const char *text, size_t len);

struct rollup_out {
	struct member_file file; /* the temporary file */
	char dir[PATH_MAX];
	char name[ROLLUP_NAME_MAX];
	struct gz_out gz;
	struct strbuf member;    /* the member being written, compressed */
	__u64 members, bytes;
	bool committed;
};

/* Create dir/.name.tmp (a leftover of that name is removed first) for
 * members compressed at level (1..9; 0: 1).  0 or -errno (logged). */
int rollup_out__open(struct rollup_out *o, const char *dir, const char *name, int level);
/* One member of text; an empty text writes nothing.  A member_sink. */
int rollup_out__member(void *out, const char *text, size_t len);
/* fsync, rename onto dir/name, fsync dir.  0 or -errno (logged). */
int rollup_out__commit(struct rollup_out *o);
/* Close; without a commit, remove the temporary file. */
void rollup_out__close(struct rollup_out *o);

#endif /* __DARKSCOPE_ROLLUP_OUT_H */
