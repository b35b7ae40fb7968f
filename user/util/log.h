/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* log.h - leveled logging to stderr (cli/log_libs.h routes libbpf and libxdp here). */
#ifndef __DARKSCOPE_LOG_H
#define __DARKSCOPE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
	LOG_LIB_DEBUG = 3, /* libbpf/libxdp debug output: -vv */
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* While quiet, library warnings are debug output (-vv): for attempts whose
 * failure we handle and report ourselves. */
void log_libs_quiet(bool quiet);
bool log_libs_are_quiet(void);
/* While fn is set, the text of every warning (without the prefix) is also
 * handed to fn, whether or not the level prints it: for a caller that keeps
 * what went wrong (a rollup records its sources' warnings).  NULL unsets. */
void log_set_warn_hook(void (*fn)(void *ctx, const char *msg), void *ctx);
/* One message with its own prefix, if level is enabled. */
void log_vprint(enum log_level level, const char *prefix, const char *fmt, va_list args);
void logging_print(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...) logging_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...) logging_print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) logging_print(LOG_DEBUG, __VA_ARGS__)

#endif /* __DARKSCOPE_LOG_H */
