// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw() */
/*
 * test_cmd_read.c - `darkscope read` end to end: two sensors' directories
 * written by ts_writer, read back merged by ts, filtered, as TSV and JSON,
 * and the exit statuses and messages of bad paths and bad options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/commands.h"
#include "series/series_format.h"
#include "test_util.h"
#include "util/strbuf.h"
#include "series/ts_writer.h"

/* 2026-11-22T03:00:00Z */
#define T0 1795316400ULL

static char root[] = "/tmp/test_cmd_read.XXXXXX";
static struct strbuf out, err;

/* The flows both sensors saw: per interval, in no particular order. */
static const struct sample {
	const char *sensor;
	__u64 ts;
	unsigned int proto, dport;
	const char *net;
	__u64 packets, hosts;
} samples[] = {
	{ "s1", T0, DS_PROTO_UDP, 53, "9.9.9.0", 2, 1 << 9 },
	{ "s1", T0, DS_PROTO_TCP, 23, "1.2.3.0", 5, 1 << 5 | 1 << 6 },
	{ "s2", T0, DS_PROTO_TCP, 23, "2.2.2.0", 1, 1 },
	{ "s1", T0 + 60, DS_PROTO_TCP, 23, "1.2.3.0", 3, 1 << 5 },
	{ "s2", T0 + 60, DS_PROTO_ICMP, 8, "3.3.3.0", 4, 2 },
	{ "s2", T0 + 3600, DS_PROTO_TCP, 23, "2.2.2.0", 6, 1 },
	{ "s1", T0 + 3600, DS_PROTO_TCP, 445, "5.5.5.0", 7, 1ULL << 63 },
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static const char flows_header[] = "sensor\tts\tproto\tdport\tsrc\tpackets\tsyn\tmirai\tsrcs"
				   "\tmirai_srcs\tsrc_hosts\tmirai_hosts\n";
static const char flows_rows[] =
	"s1\t1795316400\ttcp\t23\t1.2.3.0/24\t5\t5\t0\t2\t0\t[5,6]\t[]\n"
	"s1\t1795316400\tudp\t53\t9.9.9.0/24\t2\t0\t0\t1\t0\t[9]\t[]\n"
	"s2\t1795316400\ttcp\t23\t2.2.2.0/24\t1\t1\t0\t1\t0\t[0]\t[]\n"
	"s1\t1795316460\ttcp\t23\t1.2.3.0/24\t3\t3\t0\t1\t0\t[5]\t[]\n"
	"s2\t1795316460\ticmp\t8\t3.3.3.0/24\t4\t0\t0\t1\t0\t[1]\t[]\n"
	"s1\t1795320000\ttcp\t445\t5.5.5.0/24\t7\t7\t0\t1\t0\t[63]\t[]\n"
	"s2\t1795320000\ttcp\t23\t2.2.2.0/24\t6\t6\t0\t1\t0\t[0]\t[]\n";

/* One interval of one sensor: its flows, ports and sensor members. */
static void write_interval(struct ts_writer *w[3], const char *sensor, __u64 ts)
{
	struct interval_data d = { .ts = ts, .start_ms = ts * 1000, .end_ms = ts * 1000 + 60000 };
	struct sensor_row row = {};
	struct flow_row flows[N_SAMPLES];
	struct port_row ports[N_SAMPLES];
	struct strbuf text = STRBUF_INIT;
	size_t n = 0;

	for (size_t i = 0; i < N_SAMPLES; i++) {
		const struct sample *s = &samples[i];

		if (strcmp(s->sensor, sensor) || s->ts != ts)
			continue;
		memset(&flows[n], 0, sizeof(flows[n]));
		flows[n].key.proto = s->proto;
		flows[n].key.dport = s->dport;
		flows[n].key.src_net = inet_addr(s->net);
		flows[n].val.packets = s->packets;
		flows[n].val.syn = s->proto == DS_PROTO_TCP ? s->packets : 0;
		flows[n].val.src_hosts[0] = s->hosts;
		memset(&ports[n], 0, sizeof(ports[n]));
		ports[n].proto = s->proto;
		ports[n].port = s->dport;
		ports[n].val.packets = s->packets;
		d.counters[DS_CTR_FRAMES] += s->packets;
		d.counters[DS_CTR_COUNTED] += s->packets;
		n++;
	}
	d.n_flows = n;
	assert_int_equal(format_flow_rows(&text, ts, flows, n), 0);
	assert_int_equal(ts_writer__append(w[0], ts, text.buf, text.len), 0);
	strbuf__reset(&text);
	assert_int_equal(format_port_rows(&text, ts, ports, n), 0);
	assert_int_equal(ts_writer__append(w[1], ts, text.buf, text.len), 0);
	strbuf__reset(&text);
	assert_int_equal(format_sensor_row(&text, &d, &row), 0);
	assert_int_equal(ts_writer__append(w[2], ts, text.buf, text.len), 0);
	strbuf__free(&text);
}

static void write_sensor(const char *sensor)
{
	struct ts_writer_meta meta = {
		.sensor = sensor,
		.iface = "eth0",
		.version = "0.1.0",
		.interval = 60,
		.started = T0,
	};
	static const char *const series[3] = { "flows", "ports", "sensor" };
	static const __u64 intervals[] = { T0, T0 + 60, T0 + 3600 };
	struct ts_writer *w[3];
	char dir[300];

	snprintf(dir, sizeof(dir), "%s/%s", root, sensor);
	for (int i = 0; i < 3; i++) {
		w[i] = ts_writer__open(dir, series[i], series_columns(series[i]), &meta);
		assert_non_null(w[i]);
	}
	for (size_t i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++)
		write_interval(w, sensor, intervals[i]);
	for (int i = 0; i < 3; i++)
		ts_writer__close(w[i]);
}

static int setup(void **state)
{
	if (!mkdtemp(root))
		return -1;
	write_sensor("s1");
	write_sensor("s2");
	return 0;
}

static int teardown(void **state)
{
	strbuf__free(&out);
	strbuf__free(&err);
	return remove_tree(root);
}

/* do_read() on "darkscope read" (as main() names it) and args
 * (NULL-terminated) in a child process, since argp exits on a usage error or
 * --help; "%s" in an argument stands for the scratch root.  Returns the
 * child's exit status; stdout and stderr land in out and err. */
static int run_readv(const char *const *args)
{
	char *argv[32], bufs[32][400];
	struct capture cap_out, cap_err;
	int argc = 0, status;
	pid_t pid;

	argv[argc++] = "darkscope read";
	for (; *args; args++, argc++) {
		snprintf(bufs[argc], sizeof(bufs[argc]), *args, root);
		argv[argc] = bufs[argc];
	}
	argv[argc] = NULL;
	capture_begin(&cap_out, 1);
	capture_begin(&cap_err, 2);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		status = do_read(argc, argv);
		fflush(NULL);
		_exit(status);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	capture_end(&cap_err, &err);
	capture_end(&cap_out, &out);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define run_read(...) run_readv((const char *const[]){ __VA_ARGS__ })

/* The lines of text that start with prefix. */
static void grep_lines(const char *text, const char *prefix, struct strbuf *res)
{
	strbuf__reset(res);
	for (const char *line = text; *line; line = strchr(line, '\n') + 1)
		if (!strncmp(line, prefix, strlen(prefix)))
			strbuf__append(res, line, strchr(line, '\n') + 1 - line);
	strbuf__cstr(res);
}

static void test_cmd_read_merge_order(void **state)
{
	struct strbuf want = STRBUF_INIT;

	strbuf__append_str(&want, flows_header);
	strbuf__append_str(&want, flows_rows);
	strbuf__cstr(&want);

	/* A directory of sensor directories... */
	assert_int_equal(run_read("%s", NULL), EXIT_OK);
	assert_string_equal(out.buf, want.buf);
	assert_string_equal(err.buf, "");
	/* ...or the sensor directories themselves. */
	assert_int_equal(run_read("%s/s1", "%s/s2", NULL), EXIT_OK);
	assert_string_equal(out.buf, want.buf);
	/* Ties keep argument order. */
	assert_int_equal(run_read("--no-header", "%s/s2", "%s/s1", NULL), EXIT_OK);
	assert_string_equal(out.buf,
			    "s2\t1795316400\ttcp\t23\t2.2.2.0/24\t1\t1\t0\t1\t0\t[0]\t[]\n"
			    "s1\t1795316400\ttcp\t23\t1.2.3.0/24\t5\t5\t0\t2\t0\t[5,6]\t[]\n"
			    "s1\t1795316400\tudp\t53\t9.9.9.0/24\t2\t0\t0\t1\t0\t[9]\t[]\n"
			    "s2\t1795316460\ticmp\t8\t3.3.3.0/24\t4\t0\t0\t1\t0\t[1]\t[]\n"
			    "s1\t1795316460\ttcp\t23\t1.2.3.0/24\t3\t3\t0\t1\t0\t[5]\t[]\n"
			    "s2\t1795320000\ttcp\t23\t2.2.2.0/24\t6\t6\t0\t1\t0\t[0]\t[]\n"
			    "s1\t1795320000\ttcp\t445\t5.5.5.0/24\t7\t7\t0\t1\t0\t[63]\t[]\n");
	strbuf__free(&want);
}

static void test_cmd_read_filters(void **state)
{
	assert_int_equal(run_read("--no-header", "--proto", "tcp", "--port", "23", "%s", NULL),
			 EXIT_OK);
	assert_string_equal(out.buf,
			    "s1\t1795316400\ttcp\t23\t1.2.3.0/24\t5\t5\t0\t2\t0\t[5,6]\t[]\n"
			    "s2\t1795316400\ttcp\t23\t2.2.2.0/24\t1\t1\t0\t1\t0\t[0]\t[]\n"
			    "s1\t1795316460\ttcp\t23\t1.2.3.0/24\t3\t3\t0\t1\t0\t[5]\t[]\n"
			    "s2\t1795320000\ttcp\t23\t2.2.2.0/24\t6\t6\t0\t1\t0\t[0]\t[]\n");

	/* [from, to): the second interval only. */
	assert_int_equal(run_read("--no-header", "--from", "2026-11-22T03:01", "--to",
				  "1795316520", "%s", NULL), EXIT_OK);
	assert_string_equal(out.buf,
			    "s1\t1795316460\ttcp\t23\t1.2.3.0/24\t3\t3\t0\t1\t0\t[5]\t[]\n"
			    "s2\t1795316460\ticmp\t8\t3.3.3.0/24\t4\t0\t0\t1\t0\t[1]\t[]\n");
	/* The next hour's files only. */
	assert_int_equal(run_read("--no-header", "--from", "2026-11-22T04Z", "--sensor", "s2",
				  "%s", NULL), EXIT_OK);
	assert_string_equal(out.buf, "s2\t1795320000\ttcp\t23\t2.2.2.0/24\t6\t6\t0\t1\t0\t[0]\t[]\n");
	/* Nothing in range: just the header. */
	assert_int_equal(run_read("--to", "2026-11-22T02", "%s", NULL), EXIT_OK);
	assert_string_equal(out.buf, flows_header);
	assert_int_equal(run_read("--no-header", "--sensor", "nobody", "%s", NULL), EXIT_OK);
	assert_string_equal(out.buf, "");
}

static void test_cmd_read_ports_and_sensor(void **state)
{
	assert_int_equal(run_read("--series", "ports", "--port", "23", "%s", NULL), EXIT_OK);
	assert_string_equal(out.buf, "sensor\tts\tproto\tdport\tpackets\tsyn\tmirai\n"
				     "s1\t1795316400\ttcp\t23\t5\t0\t0\n"
				     "s2\t1795316400\ttcp\t23\t1\t0\t0\n"
				     "s1\t1795316460\ttcp\t23\t3\t0\t0\n"
				     "s2\t1795320000\ttcp\t23\t6\t0\t0\n");
	/* A file argument's name sets the series. */
	assert_int_equal(run_read("--no-header", "%s/s2/ports-2026-11-22T04.tsv.gz", NULL),
			 EXIT_OK);
	assert_string_equal(out.buf, "s2\t1795320000\ttcp\t23\t6\t0\t0\n");

	assert_int_equal(run_read("--series", "sensor", "--from", "2026-11-22T04", "%s", NULL),
			 EXIT_OK);
	assert_non_null(strstr(out.buf, "sensor\tts\tstart_ms\tend_ms\tframes\tcounted\t"));
	assert_non_null(strstr(out.buf, "\ns1\t1795320000\t1795320000000\t1795320060000\t7\t7\t"));
	assert_non_null(strstr(out.buf, "\ns2\t1795320000\t1795320000000\t1795320060000\t6\t6\t"));
}

static void test_cmd_read_json(void **state)
{
	assert_int_equal(run_read("--json", "--proto", "icmp", "%s", NULL), EXIT_OK);
	assert_string_equal(out.buf,
			    "{\"sensor\":\"s2\",\"ts\":1795316460,\"proto\":\"icmp\",\"dport\":8,"
			    "\"src\":\"3.3.3.0/24\",\"packets\":4,\"syn\":0,\"mirai\":0,\"srcs\":1,"
			    "\"mirai_srcs\":0,\"src_hosts\":[1],\"mirai_hosts\":[]}\n");
	assert_int_equal(run_read("-j", "--series", "sensor", "--to", "1795316460", "%s/s1", NULL),
			 EXIT_OK);
	assert_non_null(strstr(out.buf, "{\"sensor\":\"s1\",\"ts\":1795316400,\"start_ms\":"));
	assert_non_null(
		strstr(out.buf, ",\"drain_ms\":0.000,\"write_ms\":0.000,\"write_errors\":0,\"write_dropped\":0,"
			   "\"captured\":0,\"capture_dropped\":0,\"capture_write_dropped\":0}\n"));
}

static void test_cmd_read_damaged_input(void **state)
{
	struct strbuf want = STRBUF_INIT;
	char src[400], dst[400];
	off_t size;
	int in, fd;
	char *buf;

	/* s3: a copy of s1's first flows hour, cut short in its last member. */
	snprintf(src, sizeof(src), "%s/s1/flows-2026-11-22T03.tsv.gz", root);
	snprintf(dst, sizeof(dst), "%s/s3", root);
	assert_int_equal(mkdir(dst, 0755), 0);
	strcat(dst, "/flows-2026-11-22T03.tsv.gz");
	size = file_size(src);
	buf = malloc(size);
	in = open(src, O_RDONLY);
	assert_int_equal(read(in, buf, size), size);
	close(in);
	fd = open(dst, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, buf, size - 5), size - 5);
	close(fd);
	free(buf);

	assert_int_equal(run_read("--no-header", "--to", "1795316460", "%s/s3", NULL), EXIT_OK);
	assert_string_equal(out.buf, "s1\t1795316400\ttcp\t23\t1.2.3.0/24\t5\t5\t0\t2\t0\t[5,6]\t[]\n"
				     "s1\t1795316400\tudp\t53\t9.9.9.0/24\t2\t0\t0\t1\t0\t[9]\t[]\n");
	assert_non_null(strstr(err.buf, "truncated"));

	/* Only garbage: nothing could be read. */
	fd = open(dst, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "not gzip at all\n", 16), 16);
	close(fd);
	assert_int_equal(run_read("%s/s3", NULL), EXIT_FAIL);
	assert_non_null(strstr(err.buf, "no flows file could be read"));
	/* With good inputs beside it, the garbage is a warning. */
	assert_int_equal(run_read("--no-header", "%s/s3", "%s/s1", NULL), EXIT_OK);
	assert_non_null(strstr(err.buf, "corrupt member"));
	grep_lines(flows_rows, "s1\t", &want);
	assert_string_equal(out.buf, want.buf);
	strbuf__free(&want);
	unlink(dst);
	*strrchr(dst, '/') = '\0';
	rmdir(dst);
}

static void test_cmd_read_missing_path(void **state)
{
	char want[400];

	assert_int_equal(run_read("%s/s1", "%s/nope", NULL), EXIT_FAIL);
	snprintf(want, sizeof(want), "darkscope: read: %s/nope: No such file or directory\n", root);
	assert_string_equal(err.buf, want);
	assert_string_equal(out.buf, "");
	/* A directory with no files of the series. */
	snprintf(want, sizeof(want), "%s/empty", root);
	assert_int_equal(mkdir(want, 0755), 0);
	assert_int_equal(run_read("%s/empty", NULL), EXIT_FAIL);
	assert_non_null(strstr(err.buf, "no flows files"));
	rmdir(want);
}

static void test_cmd_read_output_error(void **state)
{
	char *argv[] = { "read", root, NULL };
	int full = open("/dev/full", O_WRONLY), saved;
	struct capture cap_err;
	int status;

	if (full < 0)
		skip();
	fflush(stdout);
	saved = dup(1);
	assert_int_equal(dup2(full, 1), 1);
	capture_begin(&cap_err, 2);
	status = do_read(2, argv);
	capture_end(&cap_err, &err);
	clearerr(stdout);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	close(full);
	assert_int_equal(status, EXIT_FAIL);
	assert_string_equal(err.buf,
			    "darkscope: read: writing the output failed: No space left on device\n");
}

static void test_cmd_read_bad_options(void **state)
{
	static const char *const bad[][6] = {
		{ "--proto", "sctp", "%s" },
		{ "--port", "65536", "%s" },
		{ "--port", "-1", "%s" },
		{ "--port", "2x", "%s" },
		{ "--port", "", "%s" },
		{ "--from", "yesterday", "%s" },
		{ "--to", "2026-13-01", "%s" },
		{ "--series", "flow", "%s" },
		{ "--bogus", "%s" },
		{ "-x", "%s" },
		{ "%s", "--from" },
		{ "--series", "sensor", "--proto", "tcp", "%s" },
		{ "--from", "2026-11-22T04", "--to", "2026-11-22T03", "%s" },
		{ "--no-header" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = run_readv(bad[i]);

		if (status != EXIT_USAGE)
			fail_msg("case %zu (%s): status %d", i, bad[i][0], status);
		assert_string_equal(out.buf, "");
		/* argp's two lines: what is wrong, and where to look. */
		assert_memory_equal(err.buf, "darkscope read: ", 16);
		assert_ptr_equal(strchr(strchr(err.buf, '\n') + 1, '\n'), err.buf + err.len - 1);
		assert_non_null(strstr(err.buf, "\nTry `darkscope read --help'"));
	}
	assert_int_equal(run_read("--help", NULL), EXIT_OK);
	assert_non_null(strstr(out.buf, "Usage: darkscope read"));
	assert_int_equal(run_read("-h", NULL), EXIT_OK);
	assert_non_null(strstr(out.buf, "Usage: darkscope read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd_read_merge_order),
		cmocka_unit_test(test_cmd_read_filters),
		cmocka_unit_test(test_cmd_read_ports_and_sensor),
		cmocka_unit_test(test_cmd_read_json),
		cmocka_unit_test(test_cmd_read_damaged_input),
		cmocka_unit_test(test_cmd_read_missing_path),
		cmocka_unit_test(test_cmd_read_output_error),
		cmocka_unit_test(test_cmd_read_bad_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
