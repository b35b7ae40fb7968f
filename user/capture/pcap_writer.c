// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pcap_writer.c - classic pcap (nanosecond timestamps) in gzip members.
 *
 * The buffer always starts with the 24-byte global header, followed by the
 * records added since the last flush; a flush compresses it from byte 0 when
 * the file is still empty, from byte 24 otherwise, so the header lands in the
 * first member of each file and nowhere else.  Members are appended whole
 * (util/member_file.h); a failed write is truncated back to the file's last
 * whole member and its frames are counted as dropped (capture keeps no retry
 * queue: memory stays bounded when the disk is full).
 *
 * Files are created with O_EXCL, so nothing is ever overwritten or appended
 * to: a name taken (a restart within the same second, a size rotation within
 * it, a planted symlink) gets the next free suffix .1, .2, ...; within one
 * second the suffixes only go up, so a name max-disk freed is not reused
 * for newer frames (their file would sort as older).  max-disk
 * (capture/retention.h) lists this prefix's other files again whenever a
 * file is created or closed; each flush deletes from the oldest while the
 * total, the open file included, is above the limit.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/gz_out.h"
#include "util/log.h"
#include "util/member_file.h"
#include "capture/pcap_writer.h"
#include "capture/retention.h"
#include "util/strbuf.h"

/* pcap-savefile(5): nanosecond-resolution magic, version 2.4, Ethernet. */
#define PCAP_MAGIC_NSEC 0xa1b23c4dU
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define LINKTYPE_ETHERNET 1
#define NSEC_PER_SEC 1000000000ULL

struct pcap_file_header {
	__u32 magic;         /* host order: readers detect it */
	__u16 version_major;
	__u16 version_minor;
	__s32 thiszone;      /* 0: timestamps are UTC */
	__u32 sigfigs;       /* 0 */
	__u32 snaplen;       /* bytes */
	__u32 linktype;      /* LINKTYPE_ETHERNET */
};
_Static_assert(sizeof(struct pcap_file_header) == 24, "pcap global header is 24 bytes");

struct pcap_record_header {
	__u32 ts_sec;  /* unix seconds */
	__u32 ts_nsec; /* nanoseconds within the second */
	__u32 caplen;  /* bytes stored */
	__u32 origlen; /* bytes on the wire */
};
_Static_assert(sizeof(struct pcap_record_header) == 16, "pcap record header is 16 bytes");

#define HDR_LEN sizeof(struct pcap_file_header)
#define REC_LEN sizeof(struct pcap_record_header)

struct pcap_writer {
	char dir[PATH_MAX];
	char prefix[CAPTURE_PREFIX_MAX + 1];
	char name[CAPTURE_NAME_MAX];  /* base name of the file open */
	struct member_file file;      /* the file being written, if any */
	__u32 snaplen;                /* effective: never 0 */
	__u32 rotate_seconds;
	__u64 rotate_bytes;
	bool have_slot;               /* slot is set: a file is open or frames wait */
	__u64 slot;                   /* time slot (unix seconds / rotate_seconds) */
	struct gz_out gz;             /* gzip member compressor, reused */
	struct strbuf buf;            /* global header + records since the last flush */
	__u64 buf_frames;
	__u64 first_ts_ns;            /* of the first buffered frame: names a new file */
	struct strbuf member;         /* the compressed member */
	struct retention *max_disk;   /* NULL: no max-disk */
	__u64 fail_frames;            /* frames dropped since the last write that worked */
	bool warned_time;             /* a timestamp beyond 2106 was reported */
	__u64 last_name_sec;          /* the second of the last file created, */
	unsigned int last_suffix;     /* its suffix, */
	bool named;                   /* if any */
	struct pcap_writer_stats st;
};

static bool is_prefix(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CAPTURE_PREFIX_MAX || s[0] == '.')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* max-disk, if set: list the files again when the set changed (a file
 * created or closed), then delete the oldest over the limit. */
static void apply_max_disk(struct pcap_writer *w, bool rescan)
{
	if (!w->max_disk)
		return;
	if (rescan && retention__scan(w->max_disk, w->file.fd >= 0 ? w->name : NULL))
		return;
	w->st.files_deleted += retention__enforce(w->max_disk, w->file.size);
}

static void reset_buffer(struct pcap_writer *w)
{
	w->buf.len = HDR_LEN;
	w->buf_frames = 0;
}

struct pcap_writer *pcap_writer__open(const struct pcap_writer_opts *opts)
{
	struct pcap_file_header hdr;
	struct pcap_writer *w;
	int err;

	if (!opts || !opts->dir || !*opts->dir || !opts->prefix || !is_prefix(opts->prefix) ||
	    opts->snaplen > PCAP_WRITER_SNAPLEN_MAX || opts->level < 0 || opts->level > 9) {
		pr_warn("capture writer: invalid directory, prefix, snaplen or level\n");
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	err = output_dir_prepare(opts->dir, 0700, "capture", CAPTURE_NAME_MAX);
	if (err)
		goto err_free;
	strcpy(w->dir, opts->dir);
	strcpy(w->prefix, opts->prefix);
	member_file__init(&w->file, "capture");
	w->snaplen = opts->snaplen ? opts->snaplen : PCAP_WRITER_SNAPLEN_WHOLE;
	w->rotate_seconds = opts->rotate_seconds;
	w->rotate_bytes = opts->rotate_bytes;
	err = gz_out__init(&w->gz, opts->level);
	if (err)
		goto err_free;
	hdr = (struct pcap_file_header){
		.magic = PCAP_MAGIC_NSEC,
		.version_major = PCAP_VERSION_MAJOR,
		.version_minor = PCAP_VERSION_MINOR,
		.snaplen = w->snaplen,
		.linktype = LINKTYPE_ETHERNET,
	};
	err = strbuf__append(&w->buf, &hdr, sizeof(hdr));
	if (err)
		goto err_gz;
	if (opts->max_disk_bytes) {
		if (!w->rotate_seconds && !w->rotate_bytes)
			pr_warn("capture: max-disk without rotation can only delete older files\n");
		w->max_disk = retention__open(w->dir, w->prefix, opts->max_disk_bytes);
		if (!w->max_disk) {
			err = -errno;
			goto err_gz;
		}
		apply_max_disk(w, true);
	}
	return w;

err_gz:
	gz_out__free(&w->gz);
err_free:
	strbuf__free(&w->buf);
	free(w);
	errno = -err;
	return NULL;
}

/* Close the open file; one that never got a whole member is removed. */
static void close_file(struct pcap_writer *w)
{
	bool empty = w->file.fd >= 0 && !w->file.size;

	member_file__close(&w->file);
	if (empty && unlink(w->file.path) && errno != ENOENT)
		pr_warn("capture file '%s': cannot remove it (empty): %s\n", w->file.path,
			strerror(errno));
}

static void rotate(struct pcap_writer *w)
{
	if (w->file.fd >= 0)
		w->st.files_rotated++;
	close_file(w);
	w->have_slot = false;
}

/* A write or creation failed (and was logged): count it and its frames. */
static void note_failure(struct pcap_writer *w, __u64 frames)
{
	w->st.write_errors++;
	w->fail_frames += frames;
}

/* Create the file named after the first buffered frame, never overwriting. */
static int create_file(struct pcap_writer *w)
{
	__u64 sec = w->first_ts_ns / NSEC_PER_SEC;
	unsigned int n = w->named && w->last_name_sec == sec ? w->last_suffix + 1 : 0;
	int err = -EEXIST;

	for (; n <= CAPTURE_SUFFIX_MAX; n++) {
		/* pcap_writer__open() checked the prefix, so the name fits. */
		err = capture_file_name(w->name, sizeof(w->name), w->prefix, sec, n);
		if (err) {
			member_file__fail(&w->file, "cannot name it", err);
			return err;
		}
		err = member_file__create(&w->file, w->dir, w->name);
		if (err != -EEXIST)
			break;
	}
	/* Every name taken; member_file logged its other failures. */
	if (err == -EEXIST)
		member_file__fail(&w->file, "cannot create it", err);
	if (err)
		return err;
	w->named = true;
	w->last_name_sec = sec;
	w->last_suffix = n;
	w->st.files_opened++;
	pr_debug("capture file '%s' created\n", w->file.path);
	apply_max_disk(w, true);
	return 0;
}

/* The member onto the file, or nothing: a failed write is truncated away. */
static int write_member(struct pcap_writer *w)
{
	int err = member_file__append(&w->file, w->member.buf, w->member.len);

	if (err && w->file.torn) {
		/* Whatever follows the partial member would be unreadable: end the
		 * file here (readable up to it) and start a new one next time. */
		pr_info("capture file '%s' ends here: the next flush starts a new file\n",
			w->file.path);
		member_file__close(&w->file);
		w->have_slot = false;
	}
	return err;
}

int pcap_writer__flush(struct pcap_writer *w)
{
	__u64 frames = w->buf_frames;
	size_t off;
	int err;

	if (!frames)
		return 0;
	if (w->file.fd < 0) {
		err = create_file(w);
		if (err) {
			note_failure(w, frames);
			goto drop;
		}
	}
	/* The global header opens the first whole member of each file. */
	off = w->file.size ? HDR_LEN : 0;
	err = gz_out__member(&w->gz, w->buf.buf + off, w->buf.len - off, &w->member);
	if (err) {
		member_file__fail(&w->file, "cannot compress a member", err);
		note_failure(w, frames);
		goto drop;
	}
	err = write_member(w);
	if (err) {
		note_failure(w, frames);
		goto drop;
	}
	w->st.frames_written += frames;
	w->st.bytes_written += w->member.len;
	w->st.pcap_bytes += w->buf.len - off;
	if (w->fail_frames) {
		pr_info("capture file '%s': writing again; %llu frames were dropped meanwhile\n",
			w->file.path, (unsigned long long)w->fail_frames);
		w->fail_frames = 0;
	}
	reset_buffer(w);
	if (w->rotate_bytes && w->file.size >= w->rotate_bytes) {
		rotate(w);
		/* The closed file now counts among the old ones: the limit
		 * holds at once, not only when the next file is created. */
		apply_max_disk(w, true);
	} else {
		apply_max_disk(w, false);
	}
	return 0;
drop:
	w->st.frames_dropped += frames;
	reset_buffer(w);
	return err;
}

int pcap_writer__add(struct pcap_writer *w, __u64 ts_ns, const void *frame, __u32 len)
{
	__u64 sec = ts_ns / NSEC_PER_SEC, slot = 0;
	__u32 caplen = len < w->snaplen ? len : w->snaplen;
	struct pcap_record_header rec;
	int err;

	if (!frame && caplen) {
		w->st.frames_dropped++;
		return -EINVAL;
	}
	/* Classic pcap counts seconds in 32 bits: up to 2106. */
	if (sec > UINT_MAX) {
		if (!w->warned_time)
			pr_warn("capture: frame time %llu s is beyond classic pcap: dropped\n",
				(unsigned long long)sec);
		w->warned_time = true;
		w->st.frames_dropped++;
		return -ERANGE;
	}
	if (w->rotate_seconds) {
		slot = sec / w->rotate_seconds;
		/* A frame of a later slot ends the file; an earlier one (queues
		 * racing, a clock step back) stays in it. */
		if (w->have_slot && slot > w->slot) {
			pcap_writer__flush(w);
			rotate(w);
		}
	}
	if (w->buf_frames && w->buf.len - HDR_LEN + REC_LEN + caplen > PCAP_WRITER_BUFFER_MAX)
		pcap_writer__flush(w);
	err = strbuf__reserve(&w->buf, REC_LEN + caplen);
	if (err) {
		w->st.frames_dropped++;
		return err;
	}
	rec = (struct pcap_record_header){
		.ts_sec = sec,
		.ts_nsec = ts_ns % NSEC_PER_SEC,
		.caplen = caplen,
		.origlen = len,
	};
	memcpy(w->buf.buf + w->buf.len, &rec, REC_LEN);
	if (caplen)
		memcpy(w->buf.buf + w->buf.len + REC_LEN, frame, caplen);
	w->buf.len += REC_LEN + caplen;
	if (!w->buf_frames++)
		w->first_ts_ns = ts_ns;
	if (!w->have_slot) {
		w->slot = slot;
		w->have_slot = true;
	}
	return 0;
}

int pcap_writer__reopen(struct pcap_writer *w)
{
	int err = pcap_writer__flush(w);

	close_file(w);
	w->have_slot = false;
	return err;
}

void pcap_writer__stats(const struct pcap_writer *w, struct pcap_writer_stats *stats)
{
	*stats = w->st;
}

void pcap_writer__buffered(const struct pcap_writer *w, __u64 *frames, __u64 *bytes)
{
	*frames = w->buf_frames;
	*bytes = w->buf.len - HDR_LEN;
}

int pcap_writer__close(struct pcap_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = pcap_writer__flush(w);
	close_file(w);
	gz_out__free(&w->gz);
	strbuf__free(&w->buf);
	strbuf__free(&w->member);
	retention__close(w->max_disk);
	free(w);
	return err;
}
