// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * log_libs.c - libbpf's and libxdp's printers, routed into util/log.  Here,
 * not in util/, so the lower layers' tests link neither library.
 */
#include <stdarg.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "cli/log_libs.h"
#include "util/log.h"

/* Library messages are one level less important than ours: their warnings
 * are our info, their info and debug need -vv. */
static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	enum log_level ours =
		level == LIBBPF_WARN && !log_libs_are_quiet() ? LOG_INFO : LOG_LIB_DEBUG;

	log_vprint(ours, "libbpf: ", fmt, args);
	return 0;
}

static int libxdp_print_fn(enum libxdp_print_level level, const char *fmt, va_list args)
{
	enum log_level ours =
		level == LIBXDP_WARN && !log_libs_are_quiet() ? LOG_INFO : LOG_LIB_DEBUG;

	log_vprint(ours, "libxdp: ", fmt, args);
	return 0;
}

void log_route_libs(void)
{
	libbpf_set_print(libbpf_print_fn);
	libxdp_set_print(libxdp_print_fn);
}
