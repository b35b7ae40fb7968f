// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_gz_out.c - gz_out__member(): one complete gzip member that zlib
 * inflates back to exactly the input with nothing after it, whose trailer
 * holds zlib's CRC-32 and the size, byte for byte what one
 * libdeflate_gzip_compress() call makes; for empty, small, text,
 * incompressible and large (several MB) input, with the compressor and the
 * buffer reused.  Members concatenated inflate as one stream, as gzip(1)
 * and the series reader read them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include <zlib.h>
#include <cmocka.h>

#include "util/gz_out.h"
#include "util/strbuf.h"

#define BIG ((1U << 20) + 17)
/* Several MB: an interval's flows text at 10^5 keys. */
#define LARGE ((5U << 20) + 5)

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

/* What a single libdeflate_gzip_compress() call with a fresh compressor makes. */
static unsigned char *reference(const void *data, size_t len, int level, size_t *out_len)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t cap;
	unsigned char *out;

	assert_non_null(c);
	cap = libdeflate_gzip_compress_bound(c, len);
	out = malloc(cap);
	assert_non_null(out);
	*out_len = libdeflate_gzip_compress(c, data, len, out, cap);
	assert_true(*out_len > 0);
	libdeflate_free_compressor(c);
	return out;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A gzip member (RFC 1952: magic, deflate, no flags) whose trailer is the
 * CRC-32 zlib computes over data and its length; zlib inflates it to
 * exactly data, and nothing follows it. */
static void assert_inflates_to(const void *member, size_t member_len, const void *data,
			       size_t len)
{
	const unsigned char *m = member;
	unsigned char *back = malloc(len + 1);
	z_stream zs = { 0 };

	assert_true(member_len >= 18);
	assert_int_equal(m[0], 0x1f);
	assert_int_equal(m[1], 0x8b);
	assert_int_equal(m[2], 8);
	assert_int_equal(m[3], 0);
	assert_int_equal(le32(m + member_len - 8), crc32(0, data, len));
	assert_int_equal(le32(m + member_len - 4), (uint32_t)len);
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)member;
	zs.avail_in = member_len;
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
	static const size_t lens[] = { 0, 1, 100, 65536, 300000, BIG, LARGE };
	static const int levels[] = { 1, 6, 9 };
	const size_t n_lens = sizeof(lens) / sizeof(lens[0]);

	for (int kind = 0; kind < 2; kind++) {
		unsigned char *data = make_input(LARGE, kind);

		for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
			struct strbuf member = STRBUF_INIT;
			struct gz_out gz;

			assert_int_equal(gz_out__init(&gz, levels[l]), 0);
			/* Twice each: the compressor and the buffer are reused,
			 * the large input first and last. */
			for (int round = 0; round < 2; round++) {
				for (size_t i = 0; i < n_lens; i++) {
					size_t len = lens[round ? i : n_lens - 1 - i];
					size_t want_len;
					unsigned char *want;

					/* The slow levels are slow: large input at 1 only. */
					if (len == LARGE && levels[l] > 1)
						continue;
					want = reference(data, len, levels[l], &want_len);

					assert_int_equal(gz_out__member(&gz, data, len, &member), 0);
					assert_int_equal(member.len, want_len);
					assert_memory_equal(member.buf, want, want_len);
					assert_inflates_to(member.buf, member.len, data, len);
					free(want);
				}
			}
			gz_out__free(&gz);
			strbuf__free(&member);
		}
		free(data);
	}
}

static void test_gz_out_empty_member(void **state)
{
	struct strbuf member = STRBUF_INIT;
	struct gz_out gz;

	assert_int_equal(gz_out__init(&gz, 0), 0);
	/* A stale buffer is replaced, not appended to. */
	assert_int_equal(strbuf__append_str(&member, "stale"), 0);
	assert_int_equal(gz_out__member(&gz, "", 0, &member), 0);
	assert_inflates_to(member.buf, member.len, "", 0);
	gz_out__free(&gz);
	strbuf__free(&member);
}

/* Members one after the other: one gzip stream of their inputs in order
 * (what appending members to a file makes). */
static void test_gz_out_members_concatenate(void **state)
{
	static const size_t lens[] = { LARGE, 0, 12345, BIG, 1 };
	unsigned char *data = make_input(LARGE, 1), *back = malloc(3 * LARGE);
	struct strbuf member = STRBUF_INIT, file = STRBUF_INIT, want = STRBUF_INIT;
	z_stream zs = { 0 };
	struct gz_out gz;
	int ret;

	assert_non_null(back);
	assert_int_equal(gz_out__init(&gz, 0), 0);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* Each from a different offset, so no two are the same. */
		const unsigned char *from = data + (LARGE - lens[i]) / (i + 1);

		assert_int_equal(gz_out__member(&gz, from, lens[i], &member), 0);
		assert_int_equal(strbuf__append(&file, member.buf, member.len), 0);
		assert_int_equal(strbuf__append(&want, from, lens[i]), 0);
	}
	/* zlib's inflate ends at each member's end: start the next one anew. */
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)file.buf;
	zs.avail_in = file.len;
	zs.next_out = back;
	zs.avail_out = 3 * LARGE;
	while ((ret = inflate(&zs, Z_NO_FLUSH)) == Z_STREAM_END && zs.avail_in)
		assert_int_equal(inflateReset(&zs), Z_OK);
	assert_int_equal(ret, Z_STREAM_END);
	assert_int_equal((char *)zs.next_out - (char *)back, want.len);
	assert_memory_equal(back, want.buf, want.len);
	inflateEnd(&zs);
	gz_out__free(&gz);
	strbuf__free(&member);
	strbuf__free(&file);
	strbuf__free(&want);
	free(back);
	free(data);
}

static void test_gz_out_level_zero_is_fastest(void **state)
{
	unsigned char *data = make_input(100000, 1), *want;
	struct strbuf member = STRBUF_INIT;
	struct gz_out gz;
	size_t want_len;

	assert_int_equal(gz_out__init(&gz, 0), 0);
	assert_int_equal(gz_out__member(&gz, data, 100000, &member), 0);
	want = reference(data, 100000, 1, &want_len);
	assert_int_equal(member.len, want_len);
	assert_memory_equal(member.buf, want, want_len);
	gz_out__free(&gz);
	free(want);
	free(data);
	strbuf__free(&member);
}

static void test_gz_out_member_bad_compressor(void **state)
{
	struct strbuf member = STRBUF_INIT;
	struct gz_out gz = { 0 };

	/* Never initialised: refused, not crashed. */
	assert_int_equal(gz_out__member(&gz, "x", 1, &member), -EINVAL);
	/* Freed (twice is harmless): refused too. */
	assert_int_equal(gz_out__init(&gz, 9), 0);
	gz_out__free(&gz);
	gz_out__free(&gz);
	assert_int_equal(gz_out__member(&gz, "x", 1, &member), -EINVAL);
	/* Not a level: no compressor. */
	assert_int_equal(gz_out__init(&gz, 13), -ENOMEM);
	strbuf__free(&member);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gz_out_member_as_one_call),
		cmocka_unit_test(test_gz_out_empty_member),
		cmocka_unit_test(test_gz_out_members_concatenate),
		cmocka_unit_test(test_gz_out_level_zero_is_fastest),
		cmocka_unit_test(test_gz_out_member_bad_compressor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
