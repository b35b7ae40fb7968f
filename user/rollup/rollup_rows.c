// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rollup_rows.c - series rows read back into the sensor's values.
 */
#include <string.h>

#include "rollup/rollup_rows.h"
#include "series/row_parse.h"

enum { F_PROTO, F_DPORT, F_SRC, F_PACKETS, F_SYN, F_MIRAI, F_SRC_HOSTS, F_MIRAI_HOSTS };
const char *const FLOW_FIELDS[] = { "proto", "dport", "src", "packets", "syn", "mirai",
				    "src_hosts", "mirai_hosts" };
const size_t N_FLOW_FIELDS = sizeof(FLOW_FIELDS) / sizeof(FLOW_FIELDS[0]);

enum { P_PROTO, P_DPORT, P_PACKETS, P_SYN, P_MIRAI };
const char *const PORT_FIELDS[] = { "proto", "dport", "packets", "syn", "mirai" };
const size_t N_PORT_FIELDS = sizeof(PORT_FIELDS) / sizeof(PORT_FIELDS[0]);

/* A count column: absent is 0 (syn, mirai of files that lack them). */
static bool count_or_zero(const char *v, __u64 *out)
{
	if (!v) {
		*out = 0;
		return true;
	}
	return parse_u64_field(v, out);
}

const char *read_flow_row(const struct ts_reader *r, struct flow_row *row)
{
	const char *v;

	memset(row, 0, sizeof(*row));
	v = ts_reader__value(r, F_PROTO);
	if (!v || !parse_proto_field(v, &row->key.proto))
		return "proto";
	v = ts_reader__value(r, F_DPORT);
	if (!v || !parse_port_field(v, &row->key.dport))
		return "dport";
	v = ts_reader__value(r, F_SRC);
	if (!v || !parse_net24_field(v, &row->key.src_net))
		return "src";
	v = ts_reader__value(r, F_PACKETS);
	if (!v || !parse_u64_field(v, &row->val.packets))
		return "packets";
	if (!count_or_zero(ts_reader__value(r, F_SYN), &row->val.syn))
		return "syn";
	if (!count_or_zero(ts_reader__value(r, F_MIRAI), &row->val.mirai))
		return "mirai";
	v = ts_reader__value(r, F_SRC_HOSTS);
	if (!v || !parse_host_list_field(v, row->val.src_hosts))
		return "src_hosts";
	v = ts_reader__value(r, F_MIRAI_HOSTS);
	if (v && !parse_host_list_field(v, row->val.mirai_hosts))
		return "mirai_hosts";
	return NULL;
}

const char *read_port_row(const struct ts_reader *r, struct port_row *row)
{
	const char *v;

	memset(row, 0, sizeof(*row));
	v = ts_reader__value(r, P_PROTO);
	if (!v || !parse_proto_field(v, &row->proto))
		return "proto";
	v = ts_reader__value(r, P_DPORT);
	if (!v || !parse_port_field(v, &row->port))
		return "dport";
	v = ts_reader__value(r, P_PACKETS);
	if (!v || !parse_u64_field(v, &row->val.packets))
		return "packets";
	if (!count_or_zero(ts_reader__value(r, P_SYN), &row->val.syn))
		return "syn";
	if (!count_or_zero(ts_reader__value(r, P_MIRAI), &row->val.mirai))
		return "mirai";
	return NULL;
}
