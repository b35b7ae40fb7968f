/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pcap_writer.h - captured frames to rotating compressed classic pcap files
 * "<dir>/<prefix>-YYYY-MM-DDTHH-MM-SS[.N].pcap.gz" (docs/CAPTURE.md).
 *
 * Frames are buffered in memory by pcap_writer__add(); pcap_writer__flush()
 * compresses the buffer into one complete gzip member and writes it with one
 * write(), so a file is readable (gunzip, zcat) up to its last flush, even
 * while it is being written or after the process was killed.  The first
 * member of every file starts with the pcap global header (nanosecond magic,
 * LINKTYPE_ETHERNET).  A failed write is truncated away and its frames are
 * dropped and counted; the writer keeps going.  Failures are logged (file
 * and cause) by the writer itself.  Not thread-safe: one thread adds and
 * flushes.
 */
#ifndef __DARKSCOPE_PCAP_WRITER_H
#define __DARKSCOPE_PCAP_WRITER_H

#include <linux/types.h>

/* Largest snaplen a caller may ask for. */
#define PCAP_WRITER_SNAPLEN_MAX 65535U
/* snaplen 0 ("whole frame") writes this in the global header and cuts
 * frames only beyond it: libpcap's MAXIMUM_SNAPLEN, what tcpdump -s 0 uses. */
#define PCAP_WRITER_SNAPLEN_WHOLE 262144U
/* Uncompressed bytes buffered before pcap_writer__add() flushes by itself. */
#define PCAP_WRITER_BUFFER_MAX (16U << 20)

struct pcap_writer_opts {
	const char *dir;       /* created (mode 0700, with parents) if missing */
	const char *prefix;    /* file name prefix: [A-Za-z0-9_.-], not starting with '.' */
	__u32 snaplen;         /* bytes kept per frame, 1..65535; 0: the whole frame */
	__u32 rotate_seconds;  /* new file per UTC slot of this many seconds; 0: off */
	__u64 rotate_bytes;    /* new file once a file holds this many bytes on disk
				* (compressed), checked after each flush; 0: off */
	__u64 max_disk_bytes;  /* bound on the total size of this prefix's files in
				* dir, oldest deleted first; 0: unlimited */
	int level;             /* gzip level 1..9 (zlib's scale); 0: 1, the fastest */
};

struct pcap_writer_stats {
	__u64 frames_written;  /* frames in members written to disk */
	__u64 frames_dropped;  /* frames lost: failed writes, no memory, bad time */
	__u64 bytes_written;   /* bytes written to files (compressed, headers included) */
	__u64 pcap_bytes;      /* uncompressed pcap bytes of those members */
	__u64 files_opened;    /* files created */
	__u64 files_rotated;   /* files closed because a time or size limit was crossed */
	__u64 files_deleted;   /* files deleted to stay under max_disk_bytes */
	__u64 write_errors;    /* failed member writes and file creations */
};

struct pcap_writer;

/*
 * Check opts, create dir if missing and check it is a writable directory,
 * then delete the oldest files of this prefix beyond max_disk_bytes.  Opens
 * no file yet: the first flush with frames creates one.  NULL with errno set
 * (EINVAL for bad opts).
 */
struct pcap_writer *pcap_writer__open(const struct pcap_writer_opts *opts);
/*
 * Buffer one frame: ts_ns is the arrival time in unix nanoseconds
 * (CLOCK_REALTIME), len the frame's length on the wire, of which
 * min(len, snaplen) bytes at frame are copied (the caller may reuse frame
 * at once).  Flushes first, into the current file, when the frame belongs to
 * the next time slot (then starts a new file) or the buffer is full.  0 when
 * the frame is buffered; -errno when it was dropped (and counted).  Errors of
 * the flush it started are counted and logged, not returned.
 */
int pcap_writer__add(struct pcap_writer *w, __u64 ts_ns, const void *frame, __u32 len);
/*
 * Write the buffered frames as one gzip member (nothing when none is
 * buffered), creating the file first if none is open, then apply the size
 * limit and max-disk.  0, or -errno: the frames are dropped and counted.
 */
int pcap_writer__flush(struct pcap_writer *w);
/* SIGHUP: flush, then close the file; the next flush starts a new one.
 * 0 or the flush's -errno. */
int pcap_writer__reopen(struct pcap_writer *w);
void pcap_writer__stats(const struct pcap_writer *w, struct pcap_writer_stats *stats);
/* Frames and uncompressed bytes buffered, not yet flushed. */
void pcap_writer__buffered(const struct pcap_writer *w, __u64 *frames, __u64 *bytes);
/* Flush, close the file, free w.  0 or the flush's -errno.  NULL is a no-op. */
int pcap_writer__close(struct pcap_writer *w);

#endif /* __DARKSCOPE_PCAP_WRITER_H */
