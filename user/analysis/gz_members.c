// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gz_members.c - a file's gzip members, inflated one at a time.
 *
 * The file is read into a window that slides along it (compacted and
 * grown as members need); libdeflate inflates a member that lies wholly in
 * the window in one call.  When it refuses one (torn, corrupt, a zlib
 * stream, a header CRC it would not check), zlib streams the member from
 * the window instead and its verdict and message are the ones reported,
 * as Python's zlib module words them.
 */
#define ZLIB_CONST
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "analysis/gz_members.h"

/* First size of the input window; it doubles when a member needs more. */
#define IN_WINDOW (16U << 20)
/* Below this many bytes left in the window, read more before inflating, so
 * libdeflate rarely meets a member cut by the window's end. */
#define IN_REFILL (4U << 20)
/* First size of the text buffer; it doubles when a member needs more. */
#define OUT_FIRST (8U << 20)
/* Room made for each zlib inflate() call. */
#define OUT_STEP (1U << 20)
/* A member libdeflate refuses with this much of the file in hand is
 * streamed by zlib, which needs no more of it at once. */
#define IN_WHOLE_MAX (256U << 20)
#define GZIP_ID1 0x1f
#define GZIP_ID2 0x8b
#define GZIP_CM_DEFLATE 8
#define GZIP_FHCRC 0x02

struct gz_members {
	char *path;
	int fd;
	struct libdeflate_decompressor *ld;
	z_stream zs;
	bool zs_ready;
	unsigned char *in; /* file bytes [in_base, in_base + in_len) */
	size_t in_cap, in_len;
	__u64 in_base;
	bool eof;          /* read() returned 0 */
	__u64 pos;         /* file offset of the next member */
	char *out;         /* the current member's text */
	size_t out_cap, out_len;
	__u64 member_start;
	/* A member over GZM_HOLD: its slices' ends in out, next one to give. */
	size_t *cuts;
	size_t n_cuts, cap_cuts, next_cut, cut_from;
	unsigned char *scratch; /* GZM_SLICE bytes, for finding the cuts */
	int err;
	__u64 err_offset, err_present;
	char message[256];
};

struct gz_members *gz_members__new(void)
{
	struct gz_members *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->fd = -1;
	g->ld = libdeflate_alloc_decompressor();
	if (!g->ld) {
		free(g);
		return NULL;
	}
	return g;
}

static void close_file(struct gz_members *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	free(g->path);
	g->path = NULL;
}

void gz_members__free(struct gz_members *g)
{
	if (!g)
		return;
	close_file(g);
	if (g->zs_ready)
		inflateEnd(&g->zs);
	libdeflate_free_decompressor(g->ld);
	free(g->in);
	free(g->out);
	free(g->cuts);
	free(g->scratch);
	free(g);
}

enum gzm_status gz_members__open(struct gz_members *g, const char *path)
{
	struct stat st;

	close_file(g);
	g->in_len = 0;
	g->in_base = 0;
	g->pos = 0;
	g->eof = false;
	g->out_len = 0;
	g->n_cuts = g->next_cut = 0;
	g->err = 0;
	g->path = strdup(path);
	if (!g->path)
		return GZM_NOMEM;
	g->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (g->fd < 0) {
		g->err = errno;
		return GZM_OPEN;
	}
	/* Python's open() refuses a directory; open(2) does not. */
	if (!fstat(g->fd, &st) && S_ISDIR(st.st_mode)) {
		g->err = EISDIR;
		close_file(g);
		return GZM_OPEN;
	}
	posix_fadvise(g->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return GZM_END;
}

/* Keep the file bytes from keep on, and read more after them: 0, or
 * GZM_READ / GZM_NOMEM.  At the end of the file, eof is set. */
static int load_more(struct gz_members *g, __u64 keep)
{
	size_t drop = keep - g->in_base;
	ssize_t n;

	if (drop) {
		memmove(g->in, g->in + drop, g->in_len - drop);
		g->in_len -= drop;
		g->in_base = keep;
	}
	if (g->in_len == g->in_cap) {
		size_t cap = g->in_cap ? 2 * g->in_cap : IN_WINDOW;
		unsigned char *in = realloc(g->in, cap);

		if (!in)
			return GZM_NOMEM;
		g->in = in;
		g->in_cap = cap;
	}
	while (g->in_len < g->in_cap) {
		n = read(g->fd, g->in + g->in_len, g->in_cap - g->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g->err = errno;
			return GZM_READ;
		}
		if (!n) {
			g->eof = true;
			break;
		}
		g->in_len += n;
	}
	return 0;
}

static int grow_out(struct gz_members *g, size_t need)
{
	size_t cap = g->out_cap ? g->out_cap : OUT_FIRST;
	char *out;

	while (cap < need)
		cap *= 2;
	if (cap == g->out_cap)
		return 0;
	out = realloc(g->out, cap);
	if (!out)
		return GZM_NOMEM;
	g->out = out;
	g->out_cap = cap;
	return 0;
}

/* What Python's zlib.error says for inflate's result ret (CPython's
 * zlib_error(): "Error %d %s: %.200s"). */
static void python_zlib_message(struct gz_members *g, int ret, const char *msg)
{
	if (!msg) {
		if (ret == Z_BUF_ERROR)
			msg = "incomplete or truncated stream";
		else if (ret == Z_STREAM_ERROR)
			msg = "inconsistent stream state";
		else if (ret == Z_DATA_ERROR)
			msg = "invalid input data";
	}
	if (msg)
		snprintf(g->message, sizeof(g->message),
			 "Error %d while decompressing data: %.200s", ret, msg);
	else
		snprintf(g->message, sizeof(g->message), "Error %d while decompressing data",
			 ret);
}

/* zlib (gzip or zlib header, as Python's wbits=47) streams the member at
 * pos: GZM_BLOCK with the text in out and pos past it, or the error. */
static enum gzm_status inflate_member(struct gz_members *g)
{
	__u64 start = g->pos, at = g->pos; /* at: next byte to feed */
	int ret, err;

	if (!g->zs_ready) {
		if (inflateInit2(&g->zs, 15 + 32) != Z_OK)
			return GZM_NOMEM;
		g->zs_ready = true;
	} else {
		inflateReset(&g->zs);
	}
	g->out_len = 0;
	for (;;) {
		if (at == g->in_base + g->in_len) {
			if (g->eof) {
				g->err_offset = start;
				g->err_present = at - start;
				return GZM_TRUNCATED;
			}
			err = load_more(g, at);
			if (err)
				return err;
			continue;
		}
		err = grow_out(g, g->out_len + OUT_STEP);
		if (err)
			return err;
		g->zs.next_in = g->in + (at - g->in_base);
		g->zs.avail_in = g->in_base + g->in_len - at > UINT_MAX
					 ? UINT_MAX
					 : g->in_base + g->in_len - at;
		g->zs.next_out = (Bytef *)g->out + g->out_len;
		g->zs.avail_out = g->out_cap - g->out_len > UINT_MAX ? UINT_MAX
								      : g->out_cap - g->out_len;
		ret = inflate(&g->zs, Z_SYNC_FLUSH);
		at = g->in_base + (g->zs.next_in - g->in);
		g->out_len = (char *)g->zs.next_out - g->out;
		if (ret == Z_STREAM_END) {
			g->member_start = start;
			g->pos = at;
			return GZM_BLOCK;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			python_zlib_message(g, ret, g->zs.msg);
			g->err_offset = start;
			return GZM_CORRUPT;
		}
	}
}

/* A gzip member libdeflate can be given: deflate, no header CRC (which it
 * would skip unchecked where zlib checks it). */
static bool plain_gzip(const unsigned char *p, size_t n)
{
	return n >= 10 && p[0] == GZIP_ID1 && p[1] == GZIP_ID2 && p[2] == GZIP_CM_DEFLATE &&
	       !(p[3] & GZIP_FHCRC);
}

/* The next member whole into out: GZM_BLOCK, GZM_END or an error. */
static enum gzm_status next_member(struct gz_members *g)
{
	for (;;) {
		size_t avail = g->in_base + g->in_len - g->pos, in_used, out_len;
		const unsigned char *p;
		enum libdeflate_result r;
		int err;

		if (!g->eof && avail < IN_REFILL) {
			err = load_more(g, g->pos);
			if (err)
				return err;
			continue;
		}
		if (!avail)
			return GZM_END;
		p = g->in + (g->pos - g->in_base);
		if (!plain_gzip(p, avail))
			return inflate_member(g);
		if (!g->out_cap && grow_out(g, OUT_FIRST))
			return GZM_NOMEM;
		r = libdeflate_gzip_decompress_ex(g->ld, p, avail, g->out, g->out_cap, &in_used,
						  &out_len);
		if (r == LIBDEFLATE_SUCCESS) {
			g->out_len = out_len;
			g->member_start = g->pos;
			g->pos += in_used;
			return GZM_BLOCK;
		}
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
			if (grow_out(g, 2 * g->out_cap))
				return GZM_NOMEM;
			continue;
		}
		/* Perhaps only cut by the window: see more of the file first,
		 * up to a point (a corrupt member must not pull in the file). */
		if (!g->eof && avail < IN_WHOLE_MAX) {
			err = load_more(g, g->pos);
			if (err)
				return err;
			continue;
		}
		return inflate_member(g);
	}
}

static int add_cut(struct gz_members *g, size_t end)
{
	if (g->n_cuts == g->cap_cuts) {
		size_t cap = g->cap_cuts ? 2 * g->cap_cuts : 64;
		size_t *cuts = realloc(g->cuts, cap * sizeof(*cuts));

		if (!cuts)
			return GZM_NOMEM;
		g->cuts = cuts;
		g->cap_cuts = cap;
	}
	g->cuts[g->n_cuts++] = end;
	return 0;
}

/*
 * Where Python's _reread() cuts the member [member_start, pos): it feeds
 * zlib GZM_SLICE-byte pread()s and asks for at most GZM_SLICE bytes of text
 * per call; each piece's text up to its last newline closes a slice.  The
 * text is the same as in out, so only the cut offsets are kept.
 */
static int find_cuts(struct gz_members *g)
{
	__u64 at = g->member_start, end = g->pos;
	size_t text_at = 0, done_to = 0;
	z_stream zs = { 0 };
	bool stream_end = false, bad = false;
	int err = 0;

	g->n_cuts = g->next_cut = 0;
	g->cut_from = 0;
	if (!g->scratch) {
		g->scratch = malloc(2 * GZM_SLICE);
		if (!g->scratch)
			return GZM_NOMEM;
	}
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return GZM_NOMEM;
	while (at < end && !stream_end && !bad && !err) {
		unsigned char *data = g->scratch + GZM_SLICE;
		size_t want = end - at < GZM_SLICE ? end - at : GZM_SLICE;
		ssize_t n = pread(g->fd, data, want, at);

		if (n <= 0)
			break;
		at += n;
		zs.next_in = data;
		zs.avail_in = n;
		while (zs.avail_in && !stream_end && !err) {
			unsigned char *nl;
			size_t piece;
			int ret;

			zs.next_out = g->scratch;
			zs.avail_out = GZM_SLICE;
			ret = inflate(&zs, Z_SYNC_FLUSH);
			if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
				bad = true;
				break;
			}
			stream_end = ret == Z_STREAM_END;
			piece = GZM_SLICE - zs.avail_out;
			nl = piece ? memrchr(g->scratch, '\n', piece) : NULL;
			if (nl) {
				err = add_cut(g, text_at + (nl - g->scratch) + 1);
				if (!err)
					done_to = g->cuts[g->n_cuts - 1];
			}
			text_at += piece;
		}
	}
	inflateEnd(&zs);
	if (err)
		return err;
	/* Bytes libdeflate took whole cannot fail here (unless the file was
	 * rewritten meanwhile): then the member is one block. */
	if (bad || !stream_end) {
		g->n_cuts = 0;
		return 0;
	}
	if (done_to < g->out_len)
		return add_cut(g, g->out_len);
	return 0;
}

static enum gzm_status next_slice(struct gz_members *g, struct gzm_block *out)
{
	size_t end = g->cuts[g->next_cut++];

	out->text = g->out + g->cut_from;
	out->len = end - g->cut_from;
	g->cut_from = end;
	return GZM_BLOCK;
}

enum gzm_status gz_members__next(struct gz_members *g, struct gzm_block *out)
{
	enum gzm_status st;

	if (g->fd < 0)
		return GZM_END;
	if (g->next_cut < g->n_cuts)
		return next_slice(g, out);
	st = next_member(g);
	if (st != GZM_BLOCK) {
		close_file(g);
		return st;
	}
	if (g->out_len > GZM_HOLD) {
		int err = find_cuts(g);

		if (err)
			return err;
		if (g->n_cuts)
			return next_slice(g, out);
	}
	g->n_cuts = g->next_cut = 0;
	out->text = g->out;
	out->len = g->out_len;
	return GZM_BLOCK;
}

int gz_members__err(const struct gz_members *g)
{
	return g->err;
}

__u64 gz_members__offset(const struct gz_members *g)
{
	return g->err_offset;
}

__u64 gz_members__present(const struct gz_members *g)
{
	return g->err_present;
}

const char *gz_members__message(const struct gz_members *g)
{
	return g->message;
}

__u64 gz_members__member_start(const struct gz_members *g)
{
	return g->member_start;
}
