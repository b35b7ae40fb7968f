// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* test_util.h */
/*
 * test_row_chunks.c - rows cut into members of at most N rows: 7 rows at 3
 * a member make members of 3, 3 and 1 rows, every row once and in order;
 * an exact multiple leaves no empty member; no row, no member; port rows
 * the same; a sink's failure comes back.
 */
#include <arpa/inet.h>

#include "test_util.h"
#include "rollup/row_chunks.h"

#define MAX_MEMBERS 16

/* The members a chunker handed over, as text. */
struct members {
	struct strbuf text[MAX_MEMBERS];
	size_t n;
	int fail_at; /* member index that fails with -EIO, or -1 */
};

static int keep_member(void *ctx, const char *text, size_t len)
{
	struct members *m = ctx;

	if ((int)m->n == m->fail_at)
		return -EIO;
	assert_true(m->n < MAX_MEMBERS);
	strbuf__reset(&m->text[m->n]);
	assert_int_equal(strbuf__append(&m->text[m->n], text, len), 0);
	strbuf__cstr(&m->text[m->n]);
	m->n++;
	return 0;
}

static void members_free(struct members *m)
{
	for (size_t i = 0; i < MAX_MEMBERS; i++)
		strbuf__free(&m->text[i]);
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void flow_row_of(struct flow_row *r, unsigned int i)
{
	memset(r, 0, sizeof(*r));
	r->key.proto = DS_PROTO_TCP;
	r->key.dport = 23;
	r->key.src_net = htonl((10U << 24) | (i << 8));
	r->val.packets = i + 1;
	r->val.src_hosts[0] = 1ULL << i;
}

static void test_row_chunks_flows(void **state)
{
	struct members m = { .fail_at = -1 };
	struct flow_chunker c;
	struct flow_row r;
	char want[64];

	assert_int_equal(flow_chunker__init(&c, 3, 86400, keep_member, &m), 0);
	for (unsigned int i = 0; i < 7; i++) {
		flow_row_of(&r, i);
		assert_int_equal(flow_chunker__add(&c, &r), 0);
	}
	assert_int_equal(m.n, 2);
	assert_int_equal(flow_chunker__flush(&c), 0);
	assert_int_equal(flow_chunker__flush(&c), 0); /* nothing left: no member */
	assert_int_equal(m.n, 3);
	assert_int_equal(c.members, 3);
	assert_int_equal(c.total, 7);
	assert_int_equal(lines(m.text[0].buf), 3);
	assert_int_equal(lines(m.text[1].buf), 3);
	assert_int_equal(lines(m.text[2].buf), 1);
	/* Rows in the order added, every one with the chunker's ts. */
	assert_string_equal(m.text[0].buf, "86400\ttcp\t23\t10.0.0.0/24\t1\t0\t0\t1\t0\t[0]\t[]\n"
					   "86400\ttcp\t23\t10.0.1.0/24\t2\t0\t0\t1\t0\t[1]\t[]\n"
					   "86400\ttcp\t23\t10.0.2.0/24\t3\t0\t0\t1\t0\t[2]\t[]\n");
	snprintf(want, sizeof(want), "86400\ttcp\t23\t10.0.6.0/24\t7\t0\t0\t1\t0\t[6]\t[]\n");
	assert_string_equal(m.text[2].buf, want);
	flow_chunker__free(&c);
	members_free(&m);
}

static void test_row_chunks_exact_multiple_and_empty(void **state)
{
	struct members m = { .fail_at = -1 };
	struct flow_chunker c;
	struct flow_row r;

	assert_int_equal(flow_chunker__init(&c, 2, 0, keep_member, &m), 0);
	assert_int_equal(flow_chunker__flush(&c), 0);
	assert_int_equal(m.n, 0);
	for (unsigned int i = 0; i < 4; i++) {
		flow_row_of(&r, i);
		assert_int_equal(flow_chunker__add(&c, &r), 0);
	}
	assert_int_equal(flow_chunker__flush(&c), 0);
	assert_int_equal(m.n, 2);
	flow_chunker__free(&c);
	members_free(&m);
}

static void test_row_chunks_sink_fails(void **state)
{
	struct members m = { .fail_at = 1 };
	struct flow_chunker c;
	struct flow_row r;
	int err = 0;

	assert_int_equal(flow_chunker__init(&c, 1, 0, keep_member, &m), 0);
	for (unsigned int i = 0; i < 3 && !err; i++) {
		flow_row_of(&r, i);
		err = flow_chunker__add(&c, &r);
	}
	assert_int_equal(err, -EIO);
	assert_int_equal(m.n, 1);
	flow_chunker__free(&c);
	members_free(&m);
}

static void test_row_chunks_ports(void **state)
{
	struct members m = { .fail_at = -1 };
	struct port_row rows[5];
	__u64 members = 0;

	for (unsigned int i = 0; i < 5; i++)
		rows[i] = (struct port_row){ .proto = i < 3 ? DS_PROTO_TCP : DS_PROTO_UDP,
					     .port = 20 + i, .val = { .packets = 10 * (i + 1) } };
	assert_int_equal(port_rows_write(rows, 5, 2, 3600, keep_member, &m, &members), 0);
	assert_int_equal(members, 3);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.text[0].buf, "3600\ttcp\t20\t10\t0\t0\n3600\ttcp\t21\t20\t0\t0\n");
	assert_string_equal(m.text[1].buf, "3600\ttcp\t22\t30\t0\t0\n3600\tudp\t23\t40\t0\t0\n");
	assert_string_equal(m.text[2].buf, "3600\tudp\t24\t50\t0\t0\n");
	members = 0;
	assert_int_equal(port_rows_write(rows, 0, 2, 3600, keep_member, &m, &members), 0);
	assert_int_equal(members, 0);
	members_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_chunks_flows),
		cmocka_unit_test(test_row_chunks_exact_multiple_and_empty),
		cmocka_unit_test(test_row_chunks_sink_fails),
		cmocka_unit_test(test_row_chunks_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
