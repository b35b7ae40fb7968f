/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* log_libs.h - libbpf's and libxdp's messages through util/log. */
#ifndef __DARKSCOPE_LOG_LIBS_H
#define __DARKSCOPE_LOG_LIBS_H

/* Hook libbpf's and libxdp's printers into ours, demoted one level. */
void log_route_libs(void);

#endif /* __DARKSCOPE_LOG_LIBS_H */
