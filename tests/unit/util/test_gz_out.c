// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_gz_out.c - gzip_member() on a gzip_stream_init() stream: one
 * complete member that inflates back to the input, byte for byte what one
 * deflate(Z_FINISH) call over the whole input makes (gzip, memLevel 8), for empty, small, text and incompressible input, and the
 * same again with the stream reused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "util/gz_out.h"
#include "util/strbuf.h"

#define BIG ((1U << 20) + 17)

/* kind 0: incompressible bytes; 1: tab-separated digits, like the rows. */
static unsigned char *make_input(size_t len, int kind)
{
	unsigned char *p = malloc(len ? len : 1);
	uint32_t seed = 2463534242u;

	assert_non_null(p);
	for (size_t i = 0; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		p[i] = kind ? (unsigned char)"0123456789\t\n"[seed % 12] : (unsigned char)seed;
	}
	return p;
}

/* What a single deflate(Z_FINISH) call with an ample buffer makes. */
static unsigned char *reference(const void *data, size_t len, int level, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap;
	unsigned char *out;

	assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	cap = deflateBound(&zs, len) + 1024;
	out = malloc(cap);
	zs.next_in = (Bytef *)data;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/* The member inflates to exactly data, and nothing follows it. */
static void assert_inflates_to(const struct strbuf *member, const void *data, size_t len)
{
	unsigned char *back = malloc(len + 1);
	z_stream zs = { 0 };

	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)member->buf;
	zs.avail_in = member->len;
	zs.next_out = back;
	zs.avail_out = len + 1;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0);
	assert_int_equal(zs.total_out, len);
	assert_memory_equal(back, data, len);
	inflateEnd(&zs);
	free(back);
}

static void test_gz_out_member_as_one_call(void **state)
{
	static const size_t lens[] = { 0, 1, 100, 65536, 300000, BIG };
	static const int levels[] = { 1, 6, 9 };

	for (int kind = 0; kind < 2; kind++) {
		unsigned char *data = make_input(BIG, kind);

		for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
			struct strbuf member = STRBUF_INIT;
			z_stream zs = { 0 };

			assert_int_equal(gzip_stream_init(&zs, levels[l]), 0);
			/* Twice each: the stream and the buffer are reused. */
			for (int round = 0; round < 2; round++) {
				for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
					size_t want_len;
					unsigned char *want = reference(data, lens[i], levels[l],
									&want_len);

					assert_int_equal(gzip_member(&zs, data, lens[i], &member),
							 0);
					assert_int_equal(member.len, want_len);
					assert_memory_equal(member.buf, want, want_len);
					assert_inflates_to(&member, data, lens[i]);
					free(want);
				}
			}
			deflateEnd(&zs);
			strbuf__free(&member);
		}
		free(data);
	}
}

static void test_gz_out_level_zero_is_fastest(void **state)
{
	unsigned char *data = make_input(100000, 1), *want;
	struct strbuf member = STRBUF_INIT;
	z_stream zs;
	size_t want_len;

	assert_int_equal(gzip_stream_init(&zs, 0), 0);
	assert_int_equal(gzip_member(&zs, data, 100000, &member), 0);
	want = reference(data, 100000, Z_BEST_SPEED, &want_len);
	assert_int_equal(member.len, want_len);
	assert_memory_equal(member.buf, want, want_len);
	deflateEnd(&zs);
	free(want);
	free(data);
	strbuf__free(&member);
}

static void test_gz_out_member_bad_stream(void **state)
{
	struct strbuf member = STRBUF_INIT;
	z_stream zs = { 0 };

	/* Never initialised (or already ended): refused, not crashed. */
	assert_int_equal(gzip_member(&zs, "x", 1, &member), -EINVAL);
	strbuf__free(&member);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gz_out_member_as_one_call),
		cmocka_unit_test(test_gz_out_level_zero_is_fastest),
		cmocka_unit_test(test_gz_out_member_bad_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
