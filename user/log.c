// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * log.c - leveled logging.  The daemon logs to stderr, one line a message,
 * prefixed "darkscope: "; capture is the service manager's job.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static enum log_level cur_level = LOG_INFO;
static bool libs_quiet;

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

static void vlog(enum log_level level, const char *prefix, const char *fmt, va_list args)
{
	if (level > cur_level)
		return;
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, args);
}

void logging_print(enum log_level level, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vlog(level, "darkscope: ", fmt, args);
	va_end(args);
}

/* Library messages are one level less important than ours: their warnings
 * are our info, their info and debug need -vv. */
static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	enum log_level ours = level == LIBBPF_WARN && !libs_quiet ? LOG_INFO : LOG_LIB_DEBUG;

	vlog(ours, "libbpf: ", fmt, args);
	return 0;
}

static int libxdp_print_fn(enum libxdp_print_level level, const char *fmt, va_list args)
{
	enum log_level ours = level == LIBXDP_WARN && !libs_quiet ? LOG_INFO : LOG_LIB_DEBUG;

	vlog(ours, "libxdp: ", fmt, args);
	return 0;
}

void log_libs_quiet(bool quiet)
{
	libs_quiet = quiet;
}

void log_route_libs(void)
{
	libbpf_set_print(libbpf_print_fn);
	libxdp_set_print(libxdp_print_fn);
}
