// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gen_mix.c - parsing and expanding the traffic mix of `darkscope gen`.
 *
 * The default, "telescope", looks like a darknet's quarter: 23/TCP far
 * ahead, then 80, 443, 8728, 22, 445, 2323, 37215, 52869 and 1433, a uniform
 * tail, some UDP (SSDP, DNS, NTP, SIP) and some ICMP echo.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_mix.h"
#include "series/series_format.h"

static const char telescope_mix[] =
	"tcp:23=3400,tcp:80=700,tcp:443=500,tcp:8728=450,tcp:22=450,tcp:445=400,"
	"tcp:2323=350,tcp:37215=250,tcp:52869=250,tcp:1433=150,tcp:any=1600,"
	"udp:1900=300,udp:53=250,udp:123=150,udp:5060=100,udp:any=200,"
	"icmp:8=450,icmp:3=25,icmp:13=25";

static const char uniform_mix[] = "tcp:any=1";

static int parse_proto(const char *s, size_t len)
{
	for (unsigned int proto = 0; proto < DS_PROTO_MAX; proto++) {
		const char *name = proto_name(proto);

		if (strlen(name) == len && !strncmp(s, name, len))
			return proto;
	}
	return -1;
}

static int parse_entry(struct gen_mix *mix, char *entry, const char **why)
{
	char *colon = strchr(entry, ':'), *eq = strchr(entry, '='), *end;
	unsigned long port, weight;
	int proto;

	if (!colon || !eq || eq < colon) {
		*why = "expected PROTO:PORT=WEIGHT";
		return -EINVAL;
	}
	proto = parse_proto(entry, colon - entry);
	if (proto < 0) {
		*why = "protocol must be tcp, udp or icmp";
		return -EINVAL;
	}
	*eq = '\0';
	if (!strcmp(colon + 1, "any")) {
		port = GEN_MIX_ANY;
	} else {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || end == colon + 1 || colon[1] == '-' ||
		    port > (proto == DS_PROTO_ICMP ? 255U : 65535U)) {
			*why = "port must be 0-65535 (ICMP type 0-255) or 'any'";
			return -EINVAL;
		}
	}
	errno = 0;
	weight = strtoul(eq + 1, &end, 10);
	if (errno || *end || end == eq + 1 || eq[1] == '-' || !weight || weight > 1000000) {
		*why = "weight must be a whole number from 1 to 1000000";
		return -EINVAL;
	}
	if (mix->n == GEN_MIX_MAX_ENTRIES) {
		*why = "too many entries";
		return -EINVAL;
	}
	mix->e[mix->n++] = (struct gen_mix_entry){ proto, port, weight };
	mix->total += weight;
	return 0;
}

int gen_mix_parse(struct gen_mix *mix, const char *spec, const char **why)
{
	char *copy, *entry, *comma;
	int err = 0;

	memset(mix, 0, sizeof(*mix));
	if (!strcmp(spec, "telescope"))
		spec = telescope_mix;
	else if (!strcmp(spec, "uniform"))
		spec = uniform_mix;
	copy = strdup(spec);
	if (!copy) {
		*why = "out of memory";
		return -ENOMEM;
	}
	/* Split by hand: strtok would let ",," and a trailing comma pass. */
	for (entry = copy; entry && !err; entry = comma ? comma + 1 : NULL) {
		comma = strchr(entry, ',');
		if (comma)
			*comma = '\0';
		err = parse_entry(mix, entry, why);
	}
	free(copy);
	return err;
}

void gen_mix_table(const struct gen_mix *mix, __u32 table[GEN_MIX_SLOTS])
{
	__u64 acc = 0;
	int i, slot = 0;

	for (i = 0; i < mix->n; i++) {
		/* Reserve a slot for each entry still to come. */
		__u64 end, room = GEN_MIX_SLOTS - (mix->n - 1 - i);

		acc += mix->e[i].weight;
		end = (acc * GEN_MIX_SLOTS + mix->total / 2) / mix->total;
		if (end <= (__u64)slot)
			end = slot + 1;
		if (end > room)
			end = room;
		for (; slot < (int)end; slot++)
			table[slot] = GEN_MIX_ENTRY(mix->e[i].proto, mix->e[i].port);
	}
	for (; slot < GEN_MIX_SLOTS; slot++)
		table[slot] = table[slot - 1];
}
