/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* counter_names.h - column names of enum ds_counter in the sensor series. */
#ifndef __DARKSCOPE_COUNTER_NAMES_H
#define __DARKSCOPE_COUNTER_NAMES_H

#include <linux/types.h>
#include "darkscope.h"

static const char *const ds_counter_names[DS_CTR_MAX] = {
#define DS_COUNTER_NAME(NAME, name) [DS_CTR_##NAME] = #name,
	DS_COUNTERS(DS_COUNTER_NAME)
#undef DS_COUNTER_NAME
};

#endif /* __DARKSCOPE_COUNTER_NAMES_H */
