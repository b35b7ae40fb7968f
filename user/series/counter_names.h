/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* counter_names.h - column names of enum ds_counter in the sensor series. */
#ifndef __DARKSCOPE_COUNTER_NAMES_H
#define __DARKSCOPE_COUNTER_NAMES_H

#include "darkscope.h"

static const char *const ds_counter_names[DS_CTR_MAX] = {
	[DS_CTR_FRAMES] = "frames",
	[DS_CTR_COUNTED] = "counted",
	[DS_CTR_NON_IP] = "non_ip",
	[DS_CTR_IPV6] = "ipv6",
	[DS_CTR_FRAGMENT] = "fragment",
	[DS_CTR_OTHER_PROTO] = "other_proto",
	[DS_CTR_BAD_L2] = "bad_l2",
	[DS_CTR_BAD_IP_TRUNC] = "bad_ip_trunc",
	[DS_CTR_BAD_IP_VERSION] = "bad_ip_version",
	[DS_CTR_BAD_IP_IHL] = "bad_ip_ihl",
	[DS_CTR_BAD_IP_LEN] = "bad_ip_len",
	[DS_CTR_BAD_L4_TRUNC] = "bad_l4_trunc",
	[DS_CTR_MAP_FULL] = "map_full",
	[DS_CTR_CAPTURE_SELECTED] = "capture_selected",
	[DS_CTR_CAPTURE_NO_SOCKET] = "capture_no_socket",
};

#endif /* __DARKSCOPE_COUNTER_NAMES_H */
