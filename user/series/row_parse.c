// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * row_parse.c - field text of series rows back into numbers and bitmaps.
 */
#include <arpa/inet.h>
#include <string.h>

#include "series/row_parse.h"
#include "series/series_format.h"

bool parse_u64_field(const char *s, __u64 *out)
{
	__u64 v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9 || v > (~0ULL - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool parse_ms_field(const char *s, __u64 *thousandths)
{
	const char *dot = strchr(s, '.');
	char whole[24];
	__u64 w, f = 0;

	if (!dot) {
		dot = s + strlen(s);
	} else if (strlen(dot + 1) != 3 || !parse_u64_field(dot + 1, &f)) {
		return false;
	}
	if ((size_t)(dot - s) >= sizeof(whole))
		return false;
	memcpy(whole, s, dot - s);
	whole[dot - s] = '\0';
	if (!parse_u64_field(whole, &w) || w > (~0ULL - f) / 1000)
		return false;
	*thousandths = w * 1000 + f;
	return true;
}

bool parse_proto_field(const char *s, __u8 *proto)
{
	for (unsigned int i = 0; i < DS_PROTO_MAX; i++) {
		if (!strcmp(s, proto_name(i))) {
			*proto = i;
			return true;
		}
	}
	return false;
}

/* A decimal of 1..3 digits without a leading zero (but "0"), at most max;
 * returns the end, or NULL. */
static const char *parse_octet(const char *s, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;
	int n = 0;

	while (s[n] >= '0' && s[n] <= '9' && n < 4)
		v = v * 10 + (s[n++] - '0');
	if (!n || n > 3 || (n > 1 && s[0] == '0') || v > max)
		return NULL;
	*out = v;
	return s + n;
}

bool parse_port_field(const char *s, __u16 *port)
{
	__u64 v;

	if (!parse_u64_field(s, &v) || v > 65535)
		return false;
	*port = v;
	return true;
}

bool parse_net24_field(const char *s, __be32 *net)
{
	unsigned int a, b, c;

	if (!(s = parse_octet(s, 255, &a)) || *s++ != '.' || !(s = parse_octet(s, 255, &b)) ||
	    *s++ != '.' || !(s = parse_octet(s, 255, &c)) || strcmp(s, ".0/24"))
		return false;
	*net = htonl(a << 24 | b << 16 | c << 8);
	return true;
}

bool parse_host_list_field(const char *s, __u64 words[DS_HOST_WORDS])
{
	unsigned int h;

	if (*s++ != '[')
		return false;
	if (*s == ']')
		return !s[1];
	for (;;) {
		if (!(s = parse_octet(s, 255, &h)))
			return false;
		words[h / 64] |= 1ULL << (h % 64);
		if (*s == ']')
			return !s[1];
		if (*s++ != ',')
			return false;
	}
}
