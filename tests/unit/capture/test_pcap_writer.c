// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw() */
/*
 * test_pcap_writer.c - capture files as a reader sees them: decompressed with
 * gzread() and parsed record by record here (never with the writer's own
 * structs), compared byte for byte with the frames added; then read again by
 * tcpdump (and tshark when installed).  Covers snaplen, flush visibility
 * (also after SIGKILL), rotation by time and size, name collisions, max-disk
 * and a failed write (RLIMIT_FSIZE standing in for a full disk).
 */
#include <dirent.h>
#include <sys/wait.h>

#include "test_util.h"
#include "capture/pcap_writer.h"
#include "capture_names.h"
#include "util/strbuf.h"

#define NS 1000000000ULL
#define MAX_FRAMES 256
#define FRAME_MAX 9018

/* A frame as added, kept to compare with what the file holds. */
struct frame {
	__u64 ts_ns;
	__u32 len;
	unsigned char data[FRAME_MAX];
};

/* A record as parsed from a file. */
struct rec {
	__u64 ts_ns;
	__u32 caplen, origlen;
	const unsigned char *data;
};

static struct frame frames[MAX_FRAMES];

static __u32 rnd(__u32 *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed;
}

/* Frame i: an Ethernet/IPv4/UDP-looking header, then incompressible bytes. */
static struct frame *make_frame(int i, __u64 ts_ns, __u32 len)
{
	static const unsigned char l2l3[] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 198, 51, 100, 7, 192, 0, 2, 9,
	};
	struct frame *f = &frames[i];
	__u32 seed = 0x9e3779b9u ^ (i + 1) * 2654435761u;

	assert_true(i < MAX_FRAMES && len <= FRAME_MAX);
	f->ts_ns = ts_ns;
	f->len = len;
	for (__u32 j = 0; j < len; j++)
		f->data[j] = j < sizeof(l2l3) ? l2l3[j] : rnd(&seed);
	return f;
}

static void add(struct pcap_writer *w, int i, __u64 ts_ns, __u32 len)
{
	struct frame *f = make_frame(i, ts_ns, len);

	assert_int_equal(pcap_writer__add(w, f->ts_ns, f->data, f->len), 0);
}

static struct pcap_writer *open_writer(const struct pcap_writer_opts *o)
{
	struct pcap_writer_opts opts = *o;
	struct pcap_writer *w;

	opts.dir = scratch_dir;
	if (!opts.prefix)
		opts.prefix = "cap";
	w = pcap_writer__open(&opts);
	assert_non_null(w);
	return w;
}

static __u32 get32(const unsigned char *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * The file through gzread() (which fails on a trailing partial member),
 * parsed as classic pcap: the global header must say nanoseconds, v2.4,
 * Ethernet and snaplen; records must end exactly at the end of the data.
 * Returns the number of records, parsed into recs (pointing into text).
 */
static int parse_pcap_gz(const char *path, struct strbuf *text, __u32 snaplen, struct rec *recs,
			 int max)
{
	const unsigned char *p, *end;
	int n = 0;

	read_gz(path, text);
	p = (const unsigned char *)text->buf;
	end = p + text->len;
	assert_true(text->len >= 24);
	assert_int_equal(get32(p), 0xa1b23c4d);
	assert_int_equal(p[4] | p[5] << 8, 2);  /* version_major (little-endian host) */
	assert_int_equal(p[6] | p[7] << 8, 4);  /* version_minor */
	assert_int_equal(get32(p + 8), 0);      /* thiszone */
	assert_int_equal(get32(p + 12), 0);     /* sigfigs */
	assert_int_equal(get32(p + 16), snaplen);
	assert_int_equal(get32(p + 20), 1);     /* LINKTYPE_ETHERNET */
	p += 24;
	while (p < end) {
		struct rec *r = &recs[n];

		assert_true(n < max);
		assert_true(end - p >= 16);
		r->ts_ns = get32(p) * NS + get32(p + 4);
		assert_true(get32(p + 4) < NS);
		r->caplen = get32(p + 8);
		r->origlen = get32(p + 12);
		assert_true(r->caplen <= r->origlen && r->caplen <= snaplen);
		p += 16;
		assert_true((size_t)(end - p) >= r->caplen);
		r->data = p;
		p += r->caplen;
		n++;
	}
	return n;
}

/* Record r holds frame f whole. */
static void assert_record(const struct rec *r, const struct frame *f)
{
	assert_int_equal(r->ts_ns, f->ts_ns);
	assert_int_equal(r->origlen, f->len);
	assert_int_equal(r->caplen, f->len);
	assert_memory_equal(r->data, f->data, f->len);
}

/* The file holds exactly frames[first .. first+count), whole. */
static void assert_file_holds(const char *path, int first, int count)
{
	struct strbuf text = STRBUF_INIT;
	static struct rec recs[MAX_FRAMES];
	int n = parse_pcap_gz(path, &text, PCAP_WRITER_SNAPLEN_WHOLE, recs, MAX_FRAMES);

	assert_int_equal(n, count);
	for (int i = 0; i < n; i++)
		assert_record(&recs[i], &frames[first + i]);
	strbuf__free(&text);
}

/* Files in scratch_dir whose name ends in ".pcap.gz". */
static int count_files(void)
{
	struct dirent *de;
	DIR *d = opendir(scratch_dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		n += len > 8 && !strcmp(de->d_name + len - 8, ".pcap.gz");
	}
	closedir(d);
	return n;
}

/* The tool's path in path, or NULL when it is not installed. */
static const char *find_tool(const char *name, char *path, size_t size)
{
	const char *dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, size, "%s/%s", dirs[i], name);
		if (!access(path, X_OK))
			return path;
	}
	return NULL;
}

/*
 * gunzip the file and let tcpdump read it all: it must succeed and print
 * one line per frame.  The first line goes to first (when not NULL).  -1
 * when tcpdump is not installed.
 */
static int tcpdump_count(const char *gz, char *first, size_t size)
{
	char cmd[2048], line[4096], tool[64];
	const char *tcpdump = find_tool("tcpdump", tool, sizeof(tool));
	int lines = 0, status;
	FILE *p;

	if (!tcpdump)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "gunzip -c '%s' > '%s/check.pcap' && "
		 "%s -nn -tt --time-stamp-precision=nano -r '%s/check.pcap' 2>/dev/null",
		 gz, scratch_root, tcpdump, scratch_root);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (!lines && first)
			snprintf(first, size, "%s", line);
		lines++;
	}
	status = pclose(p);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return lines;
}

/* Where tcpdump is installed, it reads the file and sees count frames. */
static void assert_tcpdump_reads(const char *gz, int count)
{
	int n = tcpdump_count(gz, NULL, 0);

	if (n >= 0)
		assert_int_equal(n, count);
}

static void test_pcap_writer_records_exact(void **state)
{
	/* Lengths from a runt to a jumbo frame; nanoseconds at both ends. */
	static const __u32 lens[] = { 60, 14, 1514, 64, 9018, 0, 342, 1500, 61, 128 };
	static const __u64 nsecs[] = { 0, 1, 999999999, 123456789, 500000000 };
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ 0 });
	const char *path = path_of("cap-2026-11-22T03-00-00.pcap.gz");
	__u64 frames_buf, bytes_buf;
	int n = 50;

	for (int i = 0; i < n; i++) {
		add(w, i, (T0 + i / 5) * NS + nsecs[i % 5], lens[i % 10]);
		if (i == 19)
			assert_int_equal(pcap_writer__flush(w), 0);
	}
	pcap_writer__buffered(w, &frames_buf, &bytes_buf);
	assert_int_equal(frames_buf, 30);
	assert_int_equal(pcap_writer__close(w), 0);

	assert_file_holds(path, 0, n);
	/* One member per flush, the close's included. */
	assert_int_equal(count_members(path), 2);
	assert_int_equal(file_size(path) > 0, 1);
	{
		struct stat s;

		assert_int_equal(stat(path, &s), 0);
		assert_int_equal(s.st_mode & 07777, 0600);
		assert_int_equal(stat(scratch_dir, &s), 0);
		assert_int_equal(s.st_mode & 07777, 0700);
	}
	assert_int_equal(count_files(), 1);
	assert_tcpdump_reads(path, n);
}

static void test_pcap_writer_stats(void **state)
{
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ .level = 6 });
	const char *path = path_of("cap-2026-11-22T03-00-00.pcap.gz");
	struct pcap_writer_stats st;
	__u64 pcap_bytes = 24;

	for (int i = 0; i < 20; i++) {
		add(w, i, T0 * NS + i, 100 + i);
		pcap_bytes += 16 + 100 + i;
		if (i % 7 == 6)
			assert_int_equal(pcap_writer__flush(w), 0);
	}
	/* Nothing buffered: no member. */
	assert_int_equal(pcap_writer__flush(w), 0);
	assert_int_equal(pcap_writer__flush(w), 0);
	pcap_writer__stats(w, &st);
	assert_int_equal(st.frames_written, 20);
	assert_int_equal(st.frames_dropped, 0);
	assert_int_equal(st.pcap_bytes, pcap_bytes);
	assert_int_equal(st.bytes_written, file_size(path));
	assert_int_equal(st.files_opened, 1);
	assert_int_equal(st.files_rotated, 0);
	assert_int_equal(st.files_deleted, 0);
	assert_int_equal(st.write_errors, 0);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_int_equal(count_members(path), 3);
	assert_file_holds(path, 0, 20);
}

static void test_pcap_writer_snaplen(void **state)
{
	static const __u32 lens[] = { 100, 64, 20, 65, 1514 };
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ .snaplen = 64 });
	struct strbuf text = STRBUF_INIT;
	struct rec recs[8];
	int n;

	for (int i = 0; i < 5; i++)
		add(w, i, T0 * NS + 7 * i, lens[i]);
	assert_int_equal(pcap_writer__close(w), 0);

	n = parse_pcap_gz(path_of("cap-2026-11-22T03-00-00.pcap.gz"), &text, 64, recs, 8);
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++) {
		__u32 cap = lens[i] < 64 ? lens[i] : 64;

		assert_int_equal(recs[i].ts_ns, T0 * NS + 7 * i);
		assert_int_equal(recs[i].origlen, lens[i]);
		assert_int_equal(recs[i].caplen, cap);
		assert_memory_equal(recs[i].data, frames[i].data, cap);
	}
	assert_tcpdump_reads(path_of("cap-2026-11-22T03-00-00.pcap.gz"), 5);
	strbuf__free(&text);

	/* The largest snaplen allowed. */
	w = open_writer(&(struct pcap_writer_opts){ .snaplen = PCAP_WRITER_SNAPLEN_MAX });
	pcap_writer__close(w);
}

static void test_pcap_writer_bad_opts(void **state)
{
	struct pcap_writer_opts o = { .dir = scratch_dir, .prefix = "cap" };
	struct pcap_writer *w;
	char file_dir[300];

	o.snaplen = PCAP_WRITER_SNAPLEN_MAX + 1;
	errno = 0;
	assert_null(pcap_writer__open(&o));
	assert_int_equal(errno, EINVAL);
	o.snaplen = 0;
	o.level = 10;
	assert_null(pcap_writer__open(&o));
	assert_int_equal(errno, EINVAL);
	o.level = 0;
	o.prefix = "a/b";
	assert_null(pcap_writer__open(&o));
	o.prefix = "";
	assert_null(pcap_writer__open(&o));
	o.prefix = ".hidden";
	assert_null(pcap_writer__open(&o));
	o.prefix = NULL;
	assert_null(pcap_writer__open(&o));
	assert_int_equal(errno, EINVAL);
	o.prefix = "cap";
	o.dir = NULL;
	assert_null(pcap_writer__open(&o));
	assert_null(pcap_writer__open(NULL));

	/* Fails for root too: a path through a regular file. */
	o.dir = "/etc/passwd/x";
	assert_null(pcap_writer__open(&o));
	assert_int_equal(errno, ENOTDIR);
	snprintf(file_dir, sizeof(file_dir), "%s/file", scratch_root);
	close(open(file_dir, O_CREAT | O_WRONLY, 0600));
	o.dir = file_dir;
	assert_null(pcap_writer__open(&o));
	assert_int_equal(errno, ENOTDIR);

	/* Missing parents are created; nothing is written without frames. */
	strcat(scratch_dir, "/a/b/c");
	o.dir = scratch_dir;
	o.prefix = "cap-eth1_q.0";
	w = pcap_writer__open(&o);
	assert_non_null(w);
	assert_int_equal(pcap_writer__flush(w), 0);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_int_equal(access(scratch_dir, W_OK), 0);
	assert_int_equal(count_files(), 0);
	assert_int_equal(pcap_writer__close(NULL), 0);
}

static void test_pcap_writer_readable_while_open(void **state)
{
	const char *path = path_of("cap-2026-11-22T03-00-00.pcap.gz");
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ 0 });
	off_t size;

	for (int i = 0; i < 10; i++)
		add(w, i, T0 * NS + i * 1000, 200 + i);
	assert_int_equal(pcap_writer__flush(w), 0);
	assert_file_holds(path, 0, 10);
	assert_tcpdump_reads(path, 10);
	size = file_size(path);

	/* Added, not flushed: not in the file yet. */
	for (int i = 10; i < 15; i++)
		add(w, i, T0 * NS + i * 1000, 300);
	assert_int_equal(file_size(path), size);
	assert_file_holds(path, 0, 10);

	assert_int_equal(pcap_writer__flush(w), 0);
	assert_file_holds(path, 0, 15);
	assert_int_equal(count_members(path), 2);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_int_equal(count_members(path), 2);
}

/* SIGKILL after a flush: the file holds exactly what was flushed. */
static void test_pcap_writer_killed(void **state)
{
	const char *path = path_of("cap-2026-11-22T03-00-00.pcap.gz");
	int status;
	pid_t pid;

	/* Frames made before the fork, so the parent knows what was sent. */
	for (int i = 0; i < 10; i++)
		make_frame(i, T0 * NS + i * 333, 400 + 10 * i);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct pcap_writer_opts o = { .dir = scratch_dir, .prefix = "cap" };
		struct pcap_writer *w = pcap_writer__open(&o);

		if (!w)
			_exit(1);
		for (int i = 0; i < 10; i++) {
			if (pcap_writer__add(w, frames[i].ts_ns, frames[i].data, frames[i].len))
				_exit(1);
			if (i == 6 && pcap_writer__flush(w))
				_exit(1);
		}
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(count_members(path), 1);
	assert_file_holds(path, 0, 7);
	assert_tcpdump_reads(path, 7);
}

static void test_pcap_writer_rotate_time(void **state)
{
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ .rotate_seconds = 60 });
	struct pcap_writer_stats st;

	add(w, 0, (T0 + 5) * NS + 100000000, 100);
	add(w, 1, (T0 + 30) * NS, 101);
	assert_int_equal(pcap_writer__flush(w), 0);
	add(w, 2, (T0 + 59) * NS + 999999999, 102);
	/* The next slot, with frames still buffered: they go to the old file. */
	add(w, 3, (T0 + 60) * NS, 103);
	add(w, 4, (T0 + 61) * NS, 104);
	assert_int_equal(pcap_writer__flush(w), 0);
	/* A slot skipped; then a frame of an earlier slot stays in the file. */
	add(w, 5, (T0 + 185) * NS + 5, 105);
	assert_int_equal(pcap_writer__flush(w), 0);
	add(w, 6, (T0 + 170) * NS, 106);
	pcap_writer__stats(w, &st);
	assert_int_equal(pcap_writer__close(w), 0);

	assert_int_equal(st.files_opened, 3);
	assert_int_equal(st.files_rotated, 2);
	assert_int_equal(count_files(), 3);
	/* Named after their first frame, UTC. */
	assert_file_holds(path_of("cap-2026-11-22T03-00-05.pcap.gz"), 0, 3);
	assert_int_equal(count_members(path_of("cap-2026-11-22T03-00-05.pcap.gz")), 2);
	assert_file_holds(path_of("cap-2026-11-22T03-01-00.pcap.gz"), 3, 2);
	assert_file_holds(path_of("cap-2026-11-22T03-03-05.pcap.gz"), 5, 2);
	assert_tcpdump_reads(path_of("cap-2026-11-22T03-00-05.pcap.gz"), 3);
	assert_tcpdump_reads(path_of("cap-2026-11-22T03-01-00.pcap.gz"), 2);
	assert_tcpdump_reads(path_of("cap-2026-11-22T03-03-05.pcap.gz"), 2);
}

static void test_pcap_writer_rotate_size(void **state)
{
	static const char *names[] = {
		"cap-2026-11-22T03-00-00.pcap.gz",
		"cap-2026-11-22T03-00-00.1.pcap.gz",
		"cap-2026-11-22T03-00-00.2.pcap.gz",
		"cap-2026-11-22T03-00-00.3.pcap.gz",
	};
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ .rotate_bytes = 8192 });
	struct pcap_writer_stats st;

	/* Incompressible 1000-byte frames, all in one second: members of about
	 * 3 kB, so a file reaches 8192 bytes at its third flush.  The first
	 * file goes (as max-disk would delete it) while the second is open:
	 * its name is not taken again for the newer frames. */
	for (int i = 0; i < 30; i++) {
		add(w, i, T0 * NS + i, 1000);
		if (i % 3 == 2)
			assert_int_equal(pcap_writer__flush(w), 0);
		if (i == 12)
			assert_int_equal(unlink(path_of(names[0])), 0);
	}
	pcap_writer__stats(w, &st);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_int_equal(st.files_opened, 4);
	assert_int_equal(st.files_rotated, 3);
	assert_int_equal(count_files(), 3);
	for (int f = 1; f < 4; f++) {
		const char *path = path_of(names[f]);
		int count = f < 3 ? 9 : 3;

		assert_file_holds(path, 9 * f, count);
		assert_int_equal(count_members(path), count / 3);
		if (f < 3) {
			assert_true(file_size(path) >= 8192);
			assert_true(file_size(path) < 8192 + 3300);
		}
		assert_tcpdump_reads(path, count);
	}
}

static void test_pcap_writer_collision(void **state)
{
	const char *taken = "cap-2026-11-22T03-00-00.pcap.gz";
	struct pcap_writer *w;
	char target[300], linkpath[512];
	int fd;

	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	fd = open(path_of(taken), O_CREAT | O_WRONLY, 0644);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	/* A symlink planted on the next name is not followed either. */
	snprintf(target, sizeof(target), "%s/target", scratch_root);
	snprintf(linkpath, sizeof(linkpath), "%s", path_of("cap-2026-11-22T03-00-00.1.pcap.gz"));
	assert_int_equal(symlink(target, linkpath), 0);

	w = open_writer(&(struct pcap_writer_opts){ 0 });
	add(w, 0, T0 * NS, 60);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_int_equal(file_size(path_of(taken)), 4);
	assert_int_equal(access(target, F_OK), -1);
	assert_file_holds(path_of("cap-2026-11-22T03-00-00.2.pcap.gz"), 0, 1);

	/* A restart in the same second: a new file, never an append. */
	w = open_writer(&(struct pcap_writer_opts){ 0 });
	add(w, 1, T0 * NS + 5, 70);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_file_holds(path_of("cap-2026-11-22T03-00-00.2.pcap.gz"), 0, 1);
	assert_file_holds(path_of("cap-2026-11-22T03-00-00.3.pcap.gz"), 1, 1);
}

static void test_pcap_writer_max_disk_at_open(void **state)
{
	/* This prefix's files, oldest first: the time, then the suffix. */
	static const char *mine[] = {
		"cap-2026-11-20T00-00-00.pcap.gz",
		"cap-2026-11-21T00-00-00.pcap.gz",
		"cap-2026-11-21T00-00-00.1.pcap.gz",
		"cap-2026-11-21T00-00-00.2.pcap.gz",
		"cap-2026-11-21T00-00-00.10.pcap.gz",
	};
	struct pcap_writer *w;
	struct pcap_writer_stats st;
	char target[300];

	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	for (int i = 4; i >= 0; i--)
		make_file(mine[i], 1000);
	for (size_t i = 0; i < N_NOT_CAP_FILES; i++)
		make_file(not_cap_files[i], 5000);
	/* A symlink with the oldest name: not a regular file, ignored. */
	make_file("../target-file", 10);
	snprintf(target, sizeof(target), "%s/target-file", scratch_root);
	assert_int_equal(symlink(target, path_of("cap-2026-11-18T00-00-00.pcap.gz")), 0);

	w = open_writer(&(struct pcap_writer_opts){ .max_disk_bytes = 2500,
						    .rotate_seconds = 3600 });
	pcap_writer__stats(w, &st);
	assert_int_equal(st.files_deleted, 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(access(path_of(mine[i]), F_OK), i < 3 ? -1 : 0);
	for (size_t i = 0; i < N_NOT_CAP_FILES; i++)
		assert_int_equal(file_size(path_of(not_cap_files[i])), 5000);
	assert_int_equal(file_size(path_of("../target-file")), 10);
	assert_int_equal(pcap_writer__close(w), 0);
}

/* Sum of the sizes of this test's "cap-" capture files. */
static off_t prefix_total(int *files)
{
	struct dirent *de;
	DIR *d = opendir(scratch_dir);
	off_t total = 0;

	assert_non_null(d);
	*files = 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cap-", 4))
			continue;
		total += file_size(path_of(de->d_name));
		(*files)++;
	}
	closedir(d);
	return total;
}

static void test_pcap_writer_max_disk_rotation(void **state)
{
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){
		.rotate_bytes = 6000, .max_disk_bytes = 12000 });
	struct pcap_writer_stats st;
	struct strbuf text = STRBUF_INIT;
	static struct rec recs[MAX_FRAMES];
	struct dirent **names;
	int files, n, got = 0, kept;

	/* About 2.1 kB per flush, so a file reaches 6000 bytes at its third
	 * flush: 6 frames a file, and a new second per file.  Two closed files
	 * are over the limit: the flush that closes the second must delete the
	 * first at once, not at the next file's creation. */
	for (int i = 0; i < 60; i++) {
		add(w, i, (T0 + i / 6) * NS + i, 1000);
		if (i % 2 == 1) {
			assert_int_equal(pcap_writer__flush(w), 0);
			/* The limit holds after every flush, the open file included. */
			assert_true(prefix_total(&files) <= 12000);
		}
	}
	pcap_writer__stats(w, &st);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_int_equal(st.files_opened, 10);
	assert_true(prefix_total(&files) <= 12000);
	assert_int_equal(st.files_deleted, st.files_opened - files);
	assert_int_equal(files, 1);

	/* What is left is the newest frames, contiguous: the oldest went first.
	 * One file per second here, so name order is time order. */
	n = scandir(scratch_dir, &names, NULL, alphasort);
	assert_true(n > 0);
	kept = files * 6;
	for (int i = 0; i < n; i++) {
		if (!strncmp(names[i]->d_name, "cap-", 4)) {
			int c = parse_pcap_gz(path_of(names[i]->d_name), &text,
					      PCAP_WRITER_SNAPLEN_WHOLE, recs, MAX_FRAMES);

			for (int j = 0; j < c; j++)
				assert_record(&recs[j], &frames[60 - kept + got + j]);
			got += c;
		}
		free(names[i]);
	}
	free(names);
	assert_int_equal(got, kept);
	strbuf__free(&text);
}

static void test_pcap_writer_full_disk(void **state)
{
	const char *path = path_of("cap-2026-11-22T03-00-00.pcap.gz");
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ 0 });
	struct strbuf err_text = STRBUF_INIT;
	struct pcap_writer_stats st;
	struct capture cap;
	off_t size;

	for (int i = 0; i < 3; i++)
		add(w, i, T0 * NS + i, 500);
	assert_int_equal(pcap_writer__flush(w), 0);
	size = file_size(path);

	/* Room for part of the next member only: write() is cut short, then EFBIG. */
	set_fsize_limit(size + 1000);
	for (int i = 3; i < 8; i++)
		add(w, i, T0 * NS + i, 1000);
	capture_begin(&cap, 2);
	assert_int_equal(pcap_writer__flush(w), -EFBIG);
	capture_end(&cap, &err_text);
	assert_int_equal(file_size(path), size);
	assert_int_equal(count_members(path), 1);
	/* The warning names the file and the cause. */
	assert_non_null(strstr(err_text.buf, path));
	assert_non_null(strstr(err_text.buf, strerror(EFBIG)));
	pcap_writer__stats(w, &st);
	assert_int_equal(st.write_errors, 1);
	assert_int_equal(st.frames_dropped, 5);
	assert_int_equal(st.frames_written, 3);

	/* Still full: dropped again, counted, not logged again. */
	add(w, 8, T0 * NS + 8, 2000);
	capture_begin(&cap, 2);
	assert_int_equal(pcap_writer__flush(w), -EFBIG);
	capture_end(&cap, &err_text);
	assert_string_equal(err_text.buf, "");
	pcap_writer__stats(w, &st);
	assert_int_equal(st.write_errors, 2);
	assert_int_equal(st.frames_dropped, 6);

	/* Space again: the writer goes on in the same file. */
	set_fsize_limit(RLIM_INFINITY);
	add(w, 3, T0 * NS + 9, 600);
	add(w, 4, T0 * NS + 10, 700);
	capture_begin(&cap, 2);
	assert_int_equal(pcap_writer__flush(w), 0);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, "6 frames were dropped"));
	assert_int_equal(pcap_writer__close(w), 0);
	assert_file_holds(path, 0, 5);
	assert_int_equal(count_members(path), 2);
	assert_tcpdump_reads(path, 5);
	strbuf__free(&err_text);
}

static void test_pcap_writer_full_disk_new_file(void **state)
{
	const char *path = path_of("cap-2026-11-22T03-00-00.pcap.gz");
	struct pcap_writer *w = open_writer(&(struct pcap_writer_opts){ 0 });
	struct pcap_writer_stats st;

	/* Not even the first member fits: the file is created but stays empty. */
	set_fsize_limit(10);
	add(w, 0, T0 * NS, 100);
	assert_int_equal(pcap_writer__flush(w), -EFBIG);
	assert_int_equal(file_size(path), 0);
	set_fsize_limit(RLIM_INFINITY);
	/* The next member is the file's first: it carries the global header. */
	add(w, 1, T0 * NS + 1, 200);
	assert_int_equal(pcap_writer__flush(w), 0);
	pcap_writer__stats(w, &st);
	assert_int_equal(st.write_errors, 1);
	assert_int_equal(st.frames_dropped, 1);
	assert_int_equal(st.frames_written, 1);
	assert_int_equal(pcap_writer__close(w), 0);
	assert_file_holds(path, 1, 1);
	assert_int_equal(count_members(path), 1);

	/* A file that never got a member is removed at close. */
	scratch_dir_setup(state);
	w = open_writer(&(struct pcap_writer_opts){ 0 });
	set_fsize_limit(10);
	add(w, 0, T0 * NS, 100);
	assert_int_equal(pcap_writer__close(w), -EFBIG);
	set_fsize_limit(RLIM_INFINITY);
	assert_int_equal(count_files(), 0);
}

/* A real frame: an SSDP M-SEARCH to 239.255.255.250:1900, as a scanner sends. */
static __u32 ssdp_frame(unsigned char *f)
{
	static const char payload[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
				      "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";
	static const unsigned char hdr[] = {
		/* Ethernet: dst, src, IPv4 */
		0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
		/* IPv4: 203.0.113.5 -> 239.255.255.250, UDP, lengths filled below */
		0x45, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
		203, 0, 113, 5, 239, 255, 255, 250,
		/* UDP: 40000 -> 1900 */
		0x9c, 0x40, 0x07, 0x6c, 0x00, 0x00, 0x00, 0x00,
	};
	__u32 plen = sizeof(payload) - 1, len = sizeof(hdr) + plen, sum = 0;

	memcpy(f, hdr, sizeof(hdr));
	memcpy(f + sizeof(hdr), payload, plen);
	f[16] = (len - 14) >> 8;
	f[17] = (len - 14) & 0xff;
	f[38] = (plen + 8) >> 8;
	f[39] = (plen + 8) & 0xff;
	for (int i = 14; i < 34; i += 2)
		sum += f[i] << 8 | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = ~sum >> 8;
	f[25] = ~sum & 0xff;
	return len;
}

static void test_pcap_writer_tcpdump_tshark(void **state)
{
	const char *path = path_of("cap-2026-11-22T03-00-00.pcap.gz");
	char tool1[64], tool2[64];
	const char *tcpdump = find_tool("tcpdump", tool1, sizeof(tool1));
	const char *tshark = find_tool("tshark", tool2, sizeof(tool2));
	struct pcap_writer *w;
	char cmd[2048], first[4096];
	unsigned char f[256];
	__u32 len = ssdp_frame(f);

	if (!tcpdump)
		skip();
	w = open_writer(&(struct pcap_writer_opts){ 0 });
	for (int i = 0; i < 3; i++)
		assert_int_equal(pcap_writer__add(w, T0 * NS + 123456789 + i, f, len), 0);
	assert_int_equal(pcap_writer__close(w), 0);

	snprintf(cmd, sizeof(cmd), "gunzip -c '%s' > '%s/x.pcap' && %s -r '%s/x.pcap' -c1 "
		 ">/dev/null 2>&1", path, scratch_root, tcpdump, scratch_root);
	assert_int_equal(system(cmd), 0);
	/* All frames, nanoseconds intact, decoded as the UDP they are. */
	assert_int_equal(tcpdump_count(path, first, sizeof(first)), 3);
	assert_memory_equal(first, "1795316400.123456789 IP 203.0.113.5.40000 > "
			    "239.255.255.250.1900: UDP", 64);
	if (tshark) {
		snprintf(cmd, sizeof(cmd), "%s -r '%s/x.pcap' -c1 >/dev/null 2>&1", tshark,
			 scratch_root);
		assert_int_equal(system(cmd), 0);
	} else {
		print_message("tshark not installed: only tcpdump read the file\n");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(test_pcap_writer_records_exact),
		SCRATCH_TEST(test_pcap_writer_stats),
		SCRATCH_TEST(test_pcap_writer_snaplen),
		SCRATCH_TEST(test_pcap_writer_bad_opts),
		SCRATCH_TEST(test_pcap_writer_readable_while_open),
		SCRATCH_TEST(test_pcap_writer_killed),
		SCRATCH_TEST(test_pcap_writer_rotate_time),
		SCRATCH_TEST(test_pcap_writer_rotate_size),
		SCRATCH_TEST(test_pcap_writer_collision),
		SCRATCH_TEST(test_pcap_writer_max_disk_at_open),
		SCRATCH_TEST(test_pcap_writer_max_disk_rotation),
		FULL_DISK_TEST(test_pcap_writer_full_disk),
		FULL_DISK_TEST(test_pcap_writer_full_disk_new_file),
		SCRATCH_TEST(test_pcap_writer_tcpdump_tshark),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
