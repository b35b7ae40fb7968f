// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* capture_args.c - parsing of --capture-select and --capture-rotate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "capture/capture_args.h"
#include "darkscope.h"

static const struct {
	const char *name;
	__u32 bit;
} selectors[] = {
	{ "sample", DS_CAPTURE_SAMPLE },
	{ "new", DS_CAPTURE_NEW },
	{ "payload", DS_CAPTURE_PAYLOAD },
	{ "mirai", DS_CAPTURE_MIRAI },
	{ "all", DS_CAPTURE_ALL },
};
#define N_SELECTORS (sizeof(selectors) / sizeof(selectors[0]))

static __u32 selector_bit(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_SELECTORS; i++)
		if (strlen(selectors[i].name) == len && !strncmp(selectors[i].name, name, len))
			return selectors[i].bit;
	return 0;
}

int capture_select_parse(const char *arg, __u32 *select)
{
	const char *p = arg;
	__u32 bits = 0, bit;

	for (;;) {
		size_t len = strcspn(p, ",");

		bit = selector_bit(p, len);
		if (!bit || (bits & bit))
			return -EINVAL;
		bits |= bit;
		if (!p[len])
			break;
		p += len + 1;
	}
	*select = bits;
	return 0;
}

void capture_select_format(__u32 select, char *buf, unsigned long size)
{
	size_t i, used = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < N_SELECTORS; i++) {
		if (!(select & selectors[i].bit))
			continue;
		used += snprintf(buf + used, used < size ? size - used : 0, "%s%s",
				 used ? "," : "", selectors[i].name);
		if (used >= size)
			break;
	}
}

int capture_rotate_parse(const char *arg, __u32 *seconds, __u64 *bytes)
{
	static const struct {
		const char *suffix;
		__u64 seconds, bytes;
	} units[] = {
		{ "", 1, 0 },	   { "s", 1, 0 },	 { "m", 60, 0 },	{ "h", 3600, 0 },
		{ "d", 86400, 0 }, { "M", 0, 1ULL << 20 }, { "MB", 0, 1ULL << 20 },
	};
	unsigned long long v;
	size_t i;
	char *end;

	if (arg[0] < '0' || arg[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || !v)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (units[i].seconds) {
			/* A file per week at most: slots align to UTC days. */
			if (v > 7 * 86400 / units[i].seconds)
				return -EINVAL;
			*seconds = v * units[i].seconds;
		} else {
			if (v > (1ULL << 20)) /* 1 TiB */
				return -EINVAL;
			*bytes = v * units[i].bytes;
		}
		return 0;
	}
	return -EINVAL;
}
