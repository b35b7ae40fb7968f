/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * timeutil.h - UTC time as the series files use it: interval slots, the
 * hour file names, ISO 8601 text and the time arguments of `darkscope read`.
 * Pure arithmetic on unix seconds; the TZ environment is never consulted.
 */
#ifndef __DARKSCOPE_TIMEUTIL_H
#define __DARKSCOPE_TIMEUTIL_H

#include <stddef.h>
#include <time.h>
#include <linux/types.h>

/* 9999-12-31T23:59:59Z: the last second four-digit years can express. */
#define TS_MAX 253402300799ULL

/* Floor t to the interval grid counted from the epoch (interval 0: t). */
__u64 ts_slot_start(__u64 t, unsigned int interval);

/*
 * Parse unix seconds ("1763780400") or a UTC date and time:
 * "YYYY-MM-DD", "YYYY-MM-DDTHH", "...THH:MM", "...THH:MM:SS", each with an
 * optional trailing "Z" and a space allowed instead of the "T".
 * 0 or -EINVAL (garbage, field out of range, beyond TS_MAX).
 */
int ts_parse_time(const char *s, __u64 *out);

/* "2026-11-22T03:04:05Z"; t is clamped to TS_MAX. */
void ts_format_iso(__u64 t, char out[21]);

/* "<series>-YYYY-MM-DDTHH.tsv.gz" for the UTC hour holding ts.
 * 0, -EINVAL (empty series) or -ENAMETOOLONG (size too small). */
int ts_hour_file_name(char *out, size_t size, const char *series, __u64 ts);

/* The inverse: split a base name made by ts_hour_file_name() into its series
 * (copied into series, NUL-terminated) and the hour's first second.
 * 0, -EINVAL (not such a name) or -ENAMETOOLONG (series_size too small). */
int ts_hour_file_parse(const char *name, char *series, size_t series_size, __u64 *hour);

/* The time of clock clk (CLOCK_REALTIME: unix time) in nanoseconds. */
__u64 clock_ns(clockid_t clk);
/* Wall-clock time, unix milliseconds. */
__u64 now_ms_realtime(void);

#endif /* __DARKSCOPE_TIMEUTIL_H */
