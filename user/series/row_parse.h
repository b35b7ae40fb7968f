/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * row_parse.h - the inverse of series_format.h's field formatters: the text
 * of one field of a flows or ports row back into the values the sensor
 * held, for tools that add rows up again (`darkscope rollup`).  Each parser
 * takes the whole field (NUL-terminated) and accepts exactly what
 * docs/FORMAT.md allows, so a value that would not print back the same is
 * refused rather than guessed.
 */
#ifndef __DARKSCOPE_ROW_PARSE_H
#define __DARKSCOPE_ROW_PARSE_H

#include <stdbool.h>
#include <linux/types.h>
#include "darkscope.h"

/* Unsigned decimal without sign or spaces, at most UINT64_MAX. */
bool parse_u64_field(const char *s, __u64 *out);
/* "123.456" (a decimal with exactly three decimals, drain_ms, write_ms) or a
 * whole number, as thousandths. */
bool parse_ms_field(const char *s, __u64 *thousandths);
/* "tcp", "udp", "icmp" -> enum ds_proto_idx. */
bool parse_proto_field(const char *s, __u8 *proto);
/* 0..65535. */
bool parse_port_field(const char *s, __u16 *port);
/* Canonical "a.b.c.0/24" (no leading zeros) -> network-order /24. */
bool parse_net24_field(const char *s, __be32 *net);
/* "[h1,h2,...]" with 0 <= h <= 255 -> bitmap (bits ORed into words, which
 * the caller clears); "[]" is no host.  Repeats and any order are accepted:
 * the bitmap is the same. */
bool parse_host_list_field(const char *s, __u64 words[DS_HOST_WORDS]);

#endif /* __DARKSCOPE_ROW_PARSE_H */
