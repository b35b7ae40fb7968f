/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* capture_args.h - values of the --capture-* options of `darkscope run`. */
#ifndef __DARKSCOPE_CAPTURE_ARGS_H
#define __DARKSCOPE_CAPTURE_ARGS_H

#include <linux/types.h>

/* "sample,new,payload,mirai,all" (any subset, comma-separated, no
 * repeats) into enum ds_capture_select bits.  0 or -EINVAL. */
int capture_select_parse(const char *arg, __u32 *select);
/* Writes the names of the bits in select, comma-separated, into buf. */
void capture_select_format(__u32 select, char *buf, unsigned long size);
/* --capture-rotate: "SECONDS" (also "90s", "30m", "1h", "1d") sets
 * *seconds; "MB" ("100MB", "100M") sets *bytes.  0 or -EINVAL. */
int capture_rotate_parse(const char *arg, __u32 *seconds, __u64 *bytes);

#endif /* __DARKSCOPE_CAPTURE_ARGS_H */
