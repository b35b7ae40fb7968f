// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * log.c - leveled logging.  The daemon logs to stderr, one line a message,
 * prefixed "darkscope: "; capture is the service manager's job.  The
 * libraries' printers are hooked in by cli/log_libs.c, so this layer links
 * neither library.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/log.h"

static enum log_level cur_level = LOG_INFO;
static bool libs_quiet;
static void (*warn_hook)(void *ctx, const char *msg);
static void *warn_hook_ctx;

void log_set_warn_hook(void (*fn)(void *ctx, const char *msg), void *ctx)
{
	warn_hook = fn;
	warn_hook_ctx = ctx;
}

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_vprint(enum log_level level, const char *prefix, const char *fmt, va_list args)
{
	if (level == LOG_WARN && warn_hook) {
		char msg[1024];
		va_list copy;

		va_copy(copy, args);
		vsnprintf(msg, sizeof(msg), fmt, copy);
		va_end(copy);
		warn_hook(warn_hook_ctx, msg);
	}
	if (level > cur_level)
		return;
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, args);
}

void logging_print(enum log_level level, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	log_vprint(level, "darkscope: ", fmt, args);
	va_end(args);
}

void log_libs_quiet(bool quiet)
{
	libs_quiet = quiet;
}

bool log_libs_are_quiet(void)
{
	return libs_quiet;
}
