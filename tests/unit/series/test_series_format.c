// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_series_format.c - the text of flows, ports and sensor rows: number,
 * address and host-bitmap formatting, row order, and column counts that
 * match the column lists.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "series/counter_names.h"
#include "series/series_format.h"

#define TS 1795316400ULL

static size_t count_fields(const char *line, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += line[i] == '\t';
	return n;
}

static void assert_bitmap(__u64 w0, __u64 w1, __u64 w2, __u64 w3, const char *want)
{
	const __u64 words[DS_HOST_WORDS] = { w0, w1, w2, w3 };
	char buf[1100];
	char *end = fmt_host_bitmap(buf, words);

	*end = '\0';
	assert_string_equal(buf, want);
}

static void test_series_format_bitmap(void **state)
{
	char full[1100], *p = full;

	/* Every host: "[0,1,...,255]". */
	*p++ = '[';
	for (int h = 0; h < 256; h++)
		p += sprintf(p, h ? ",%d" : "%d", h);
	strcpy(p, "]");

	assert_bitmap(0, 0, 0, 0, "[]");
	assert_bitmap(1, 0, 0, 0, "[0]");                 /* host 0 */
	assert_bitmap(2, 0, 0, 0, "[1]");                 /* host 1 */
	assert_bitmap(0x26, 0, 0, 0, "[1,2,5]");
	assert_bitmap(1ULL << 63, 0, 0, 0, "[63]");
	assert_bitmap(0, 1, 0, 0, "[64]");                /* word 1, bit 0 */
	assert_bitmap(0xa, 1, 0, 0, "[1,3,64]");
	assert_bitmap(0, 0, 0x10, 0, "[132]");            /* word 2, bit 4 */
	assert_bitmap(0, 0, 0, 1ULL << 63, "[255]");
	assert_bitmap(1, 0, 0, 1ULL << 63, "[0,255]");
	assert_bitmap(~0ULL, ~0ULL, ~0ULL, ~0ULL, full);
}

static void assert_u64(__u64 v, const char *want)
{
	char buf[24];

	*fmt_u64(buf, v) = '\0';
	assert_string_equal(buf, want);
}

static void test_series_format_numbers(void **state)
{
	assert_u64(0, "0");
	assert_u64(7, "7");
	assert_u64(10, "10");
	assert_u64(99, "99");
	assert_u64(100, "100");
	assert_u64(1009, "1009");
	assert_u64(65535, "65535");
	assert_u64(1795316400, "1795316400");
	assert_u64(UINT64_MAX, "18446744073709551615");
}

static void assert_net(const char *addr, const char *want)
{
	char buf[24];

	*fmt_net24(buf, inet_addr(addr) & htonl(0xffffff00)) = '\0';
	assert_string_equal(buf, want);
}

static void test_series_format_ipv4(void **state)
{
	assert_net("1.2.3.4", "1.2.3.0/24");
	assert_net("0.0.0.0", "0.0.0.0/24");
	assert_net("255.255.255.255", "255.255.255.0/24");
	assert_net("10.0.100.1", "10.0.100.0/24");
	assert_net("192.168.9.99", "192.168.9.0/24");
	assert_net("100.64.10.0", "100.64.10.0/24");
}

static struct flow_row flow(unsigned int proto, unsigned int dport, const char *net)
{
	struct flow_row r = { 0 };

	r.key.proto = proto;
	r.key.dport = dport;
	r.key.src_net = inet_addr(net);
	r.val.packets = 1;
	r.val.src_hosts[0] = 1;
	return r;
}

static void test_series_format_flow_row(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct flow_row r = flow(DS_PROTO_TCP, 23, "203.0.113.0");

	r.val.packets = 12;
	r.val.syn = 10;
	r.val.mirai = 4;
	r.val.src_hosts[0] = 0x6;           /* hosts 1, 2 */
	r.val.src_hosts[3] = 1ULL << 63;    /* host 255 */
	r.val.mirai_hosts[0] = 0x2;         /* host 1 */
	assert_int_equal(format_flow_rows(&sb, TS, &r, 1), 0);
	assert_string_equal(strbuf__cstr(&sb),
			    "1795316400\ttcp\t23\t203.0.113.0/24\t12\t10\t4\t3\t1\t"
			    "[1,2,255]\t[1]\n");
	assert_int_equal(count_fields(sb.buf, sb.len - 1),
			 count_fields(FLOWS_COLUMNS, strlen(FLOWS_COLUMNS)));

	/* An ICMP row: dport is the ICMP type; empty host lists are "[]". */
	strbuf__reset(&sb);
	r = flow(DS_PROTO_ICMP, 8, "9.9.9.0");
	r.val.src_hosts[0] = 0;
	assert_int_equal(format_flow_rows(&sb, TS, &r, 1), 0);
	assert_string_equal(strbuf__cstr(&sb),
			    "1795316400\ticmp\t8\t9.9.9.0/24\t1\t0\t0\t0\t0\t[]\t[]\n");

	/* No rows, no text. */
	strbuf__reset(&sb);
	assert_int_equal(format_flow_rows(&sb, TS, NULL, 0), 0);
	assert_int_equal(sb.len, 0);
	strbuf__free(&sb);
}

static void test_series_format_flow_order(void **state)
{
	struct flow_row rows[] = {
		flow(DS_PROTO_ICMP, 8, "1.1.1.0"),
		flow(DS_PROTO_UDP, 53, "10.0.0.0"),
		flow(DS_PROTO_TCP, 8080, "1.1.1.0"),
		flow(DS_PROTO_TCP, 443, "100.0.0.0"),
		flow(DS_PROTO_TCP, 443, "9.0.0.0"),
		flow(DS_PROTO_TCP, 443, "10.0.0.0"),
		flow(DS_PROTO_TCP, 80, "200.1.2.0"),
		flow(DS_PROTO_UDP, 53, "9.255.255.0"),
	};
	/* proto in index order, then port and address as numbers, not text. */
	static const char *const want[] = {
		"tcp\t80\t200.1.2.0/24",  "tcp\t443\t9.0.0.0/24",   "tcp\t443\t10.0.0.0/24",
		"tcp\t443\t100.0.0.0/24", "tcp\t8080\t1.1.1.0/24",  "udp\t53\t9.255.255.0/24",
		"udp\t53\t10.0.0.0/24",   "icmp\t8\t1.1.1.0/24",
	};
	size_t n = sizeof(rows) / sizeof(rows[0]);
	struct strbuf sb = STRBUF_INIT;
	char *line, *save;
	size_t i = 0;

	assert_int_equal(format_flow_rows(&sb, TS, rows, n), 0);
	strbuf__cstr(&sb);
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		assert_true(i < n);
		assert_memory_equal(line, "1795316400\t", 11);
		assert_memory_equal(line + 11, want[i], strlen(want[i]));
		assert_int_equal(line[11 + strlen(want[i])], '\t');
	}
	assert_int_equal(i, n);
	strbuf__free(&sb);
}

static struct port_row port(unsigned int proto, unsigned int p, __u64 packets)
{
	struct port_row r = { .proto = proto, .port = p };

	r.val.packets = packets;
	r.val.syn = packets / 2;
	r.val.mirai = packets / 4;
	return r;
}

static void test_series_format_port_rows(void **state)
{
	struct port_row rows[] = {
		port(DS_PROTO_UDP, 53, 7),      port(DS_PROTO_TCP, 445, 0),
		port(DS_PROTO_TCP, 23, 100),    port(DS_PROTO_ICMP, 8, 1),
		port(DS_PROTO_TCP, 65535, 2),   port(DS_PROTO_TCP, 0, 3),
	};
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(format_port_rows(&sb, TS, rows, sizeof(rows) / sizeof(rows[0])), 0);
	/* Sorted by (proto, port); the zero row is left out. */
	assert_string_equal(strbuf__cstr(&sb),
			    "1795316400\ttcp\t0\t3\t1\t0\n"
			    "1795316400\ttcp\t23\t100\t50\t25\n"
			    "1795316400\ttcp\t65535\t2\t1\t0\n"
			    "1795316400\tudp\t53\t7\t3\t1\n"
			    "1795316400\ticmp\t8\t1\t0\t0\n");
	assert_int_equal(count_fields(sb.buf, strchr(sb.buf, '\n') - sb.buf),
			 count_fields(PORTS_COLUMNS, strlen(PORTS_COLUMNS)));
	strbuf__free(&sb);
}

static void test_series_format_sensor_columns(void **state)
{
	struct strbuf want = STRBUF_INIT;

	/* SENSOR_COLUMNS names the counters as counter_names.h does. */
	strbuf__append_str(&want, "ts\tstart_ms\tend_ms");
	for (int i = 0; i < DS_CTR_MAX; i++) {
		strbuf__append_str(&want, "\t");
		strbuf__append_str(&want, ds_counter_names[i]);
	}
	strbuf__append_str(&want, "\tkeys\tmax_keys\tdrain_ms\twrite_ms\twrite_errors\twrite_dropped"
				  "\tcaptured\tcapture_dropped\tcapture_write_dropped");
	assert_string_equal(SENSOR_COLUMNS, strbuf__cstr(&want));
	strbuf__free(&want);

	assert_ptr_equal(series_columns("flows"), FLOWS_COLUMNS);
	assert_ptr_equal(series_columns("ports"), PORTS_COLUMNS);
	assert_ptr_equal(series_columns("sensor"), SENSOR_COLUMNS);
	assert_null(series_columns("flow"));
	assert_string_equal(FLOWS_COLUMNS, "ts\tproto\tdport\tsrc\tpackets\tsyn\tmirai\tsrcs"
					   "\tmirai_srcs\tsrc_hosts\tmirai_hosts");
	assert_string_equal(PORTS_COLUMNS, "ts\tproto\tdport\tpackets\tsyn\tmirai");
	/* Both come from DS_COUNTERS: pin the file's columns themselves. */
	assert_string_equal(SENSOR_COLUMNS,
			    "ts\tstart_ms\tend_ms\tframes\tcounted\tnon_ip\tipv6\tfragment"
			    "\tother_proto\tbad_l2\tbad_ip_trunc\tbad_ip_version\tbad_ip_ihl"
			    "\tbad_ip_len\tbad_l4_trunc\tmap_full\tcapture_selected"
			    "\tcapture_no_socket\tlog_full\tkeys\tmax_keys\tdrain_ms\twrite_ms\twrite_errors"
			    "\twrite_dropped\tcaptured\tcapture_dropped\tcapture_write_dropped");
	assert_string_equal(proto_name(DS_PROTO_TCP), "tcp");
	assert_string_equal(proto_name(DS_PROTO_UDP), "udp");
	assert_string_equal(proto_name(DS_PROTO_ICMP), "icmp");
	assert_null(proto_name(DS_PROTO_MAX));
}

static void test_series_format_sensor_row(void **state)
{
	struct interval_data d = {
		.ts = TS,
		.start_ms = TS * 1000 + 5,
		.end_ms = TS * 1000 + 60004,
		.n_flows = 3,
	};
	struct sensor_row row = {
		.max_keys = DS_DEFAULT_MAX_KEYS,
		.drain_us = 1234567,
		.write_us = 5,
		.write_errors = 2,
		.write_dropped = 1,
		.captured = 7,
		.capture_dropped = 8,
		.capture_write_dropped = 9,
	};
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < DS_CTR_MAX; i++)
		d.counters[i] = 100 + i;
	assert_int_equal(format_sensor_row(&sb, &d, &row), 0);
	assert_string_equal(strbuf__cstr(&sb),
			    "1795316400\t1795316400005\t1795316460004"
			    "\t100\t101\t102\t103\t104\t105\t106\t107\t108\t109\t110\t111\t112"
			    "\t113\t114\t115\t3\t262144\t1234.567\t0.005\t2\t1\t7\t8\t9\n");
	assert_int_equal(count_fields(sb.buf, sb.len - 1),
			 count_fields(SENSOR_COLUMNS, strlen(SENSOR_COLUMNS)));

	/* A quiet interval still has its row, with zeros. */
	memset(&d, 0, sizeof(d));
	memset(&row, 0, sizeof(row));
	strbuf__reset(&sb);
	assert_int_equal(format_sensor_row(&sb, &d, &row), 0);
	assert_string_equal(strbuf__cstr(&sb),
			    "0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0"
			    "\t0.000\t0.000\t0\t0\t0\t0\t0\n");
	strbuf__free(&sb);
}

/* proto index, port, address of a flows line, as one comparable number. */
static __u64 line_key(const char *line)
{
	static const char *const protos[] = { "tcp\t", "udp\t", "icmp\t" };
	unsigned int a, b, c, port;
	const char *p = strchr(line, '\t') + 1;
	__u64 proto = 0;

	while (strncmp(p, protos[proto], strlen(protos[proto])))
		proto++;
	p += strlen(protos[proto]);
	assert_int_equal(sscanf(p, "%u\t%u.%u.%u.0/24\t", &port, &a, &b, &c), 4);
	return proto << 40 | (__u64)port << 24 | a << 16 | b << 8 | c;
}

static void test_series_format_many_rows(void **state)
{
	size_t n = 100000, lines = 0;
	struct flow_row *rows = calloc(n, sizeof(*rows)), *copy = malloc(n * sizeof(*rows));
	struct strbuf sb = STRBUF_INIT;
	__u64 prev = 0, packets = 0;
	char *line, *save;

	assert_non_null(rows);
	assert_non_null(copy);
	for (size_t i = 0; i < n; i++) {
		__u32 x = (i * 2654435761U) ^ (i >> 3);

		rows[i].key.proto = x % 3;
		rows[i].key.dport = x >> 16;
		rows[i].key.src_net = htonl(x << 8);
		rows[i].val.packets = i + 1;
		rows[i].val.src_hosts[x & 3] = 1ULL << (x % 64);
	}
	memcpy(copy, rows, n * sizeof(*rows));
	assert_int_equal(format_flow_rows(&sb, TS, rows, n), 0);
	/* The input is left alone. */
	assert_memory_equal(rows, copy, n * sizeof(*rows));
	/* Every row once (packets sum to 1 + ... + n), in (proto, port, address) order. */
	strbuf__cstr(&sb);
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		__u64 key = line_key(line);
		unsigned long long p;

		assert_true(lines == 0 || key >= prev);
		prev = key;
		assert_int_equal(sscanf(strstr(line, "/24\t") + 4, "%llu", &p), 1);
		packets += p;
		lines++;
	}
	assert_int_equal(lines, n);
	assert_int_equal(packets, (__u64)n * (n + 1) / 2);
	free(rows);
	free(copy);
	strbuf__free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series_format_bitmap),
		cmocka_unit_test(test_series_format_numbers),
		cmocka_unit_test(test_series_format_ipv4),
		cmocka_unit_test(test_series_format_flow_row),
		cmocka_unit_test(test_series_format_flow_order),
		cmocka_unit_test(test_series_format_port_rows),
		cmocka_unit_test(test_series_format_sensor_columns),
		cmocka_unit_test(test_series_format_sensor_row),
		cmocka_unit_test(test_series_format_many_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
