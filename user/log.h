/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* log.h - leveled logging to stderr; libbpf and libxdp are routed through it. */
#ifndef __DARKSCOPE_LOG_H
#define __DARKSCOPE_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
	LOG_LIB_DEBUG = 3, /* libbpf/libxdp debug output: -vv */
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Hook libbpf's and libxdp's printers into ours, demoted one level. */
void log_route_libs(void);
/* While quiet, library warnings are debug output (-vv): for attempts whose
 * failure we handle and report ourselves. */
void log_libs_quiet(bool quiet);
void logging_print(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...) logging_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...) logging_print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) logging_print(LOG_DEBUG, __VA_ARGS__)

#endif /* __DARKSCOPE_LOG_H */
