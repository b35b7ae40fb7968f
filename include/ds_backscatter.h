/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ds_backscatter.h - which frames are backscatter: the replies of hosts
 * that got packets with a darknet address as their (spoofed) source, most
 * of them DoS victims.  Nobody in a darknet sent anything, so a reply that
 * lands there answers somebody else's forgery; the victim is the frame's
 * source, its service the source port.  Shared by the XDP program and
 * userspace like darkscope.h (includes nothing).
 *
 *   TCP SYN-ACK      a listening victim answering a spoofed SYN (flood)
 *   TCP RST          a victim refusing one, or a segment it has no
 *                    connection for (RST, RST-ACK; not with SYN)
 *   ICMP echo reply  a victim answering a spoofed ping (type 0)
 *   ICMP errors      what routers and victims send about spoofed packets:
 *                    destination unreachable (3), source quench (4),
 *                    redirect (5), time exceeded (11), parameter problem (12)
 *
 * A SYN (ACK clear) is a probe, never backscatter; so are UDP and the other
 * ICMP types (an echo request is a ping sweep).  A frame that is
 * backscatter still counts as a probe-side frame everywhere it does today
 * (flows, ports, the sensor counters): the backscatter view is one more.
 */
#ifndef __DS_BACKSCATTER_H
#define __DS_BACKSCATTER_H

enum ds_backscatter {
	DS_BS_NONE = 0,
	DS_BS_SYNACK,
	DS_BS_RST,
	DS_BS_ECHO_REPLY,
	DS_BS_ICMP_ERROR,
	DS_BS_MAX
};

/* TCP header flag bits (byte 13 of the header). */
#define DS_TCP_FIN 0x01
#define DS_TCP_SYN 0x02
#define DS_TCP_RST 0x04
#define DS_TCP_ACK 0x10

/* RST with SYN clear (RST, RST-ACK); SYN-ACK with RST clear; nothing else
 * (a SYN-RST, say, is some scanner's odd probe). */
static inline enum ds_backscatter ds_backscatter_tcp(__u8 flags)
{
	__u8 f = flags & (DS_TCP_SYN | DS_TCP_RST | DS_TCP_ACK);

	if ((f & (DS_TCP_SYN | DS_TCP_RST)) == DS_TCP_RST)
		return DS_BS_RST;
	if (f == (DS_TCP_SYN | DS_TCP_ACK))
		return DS_BS_SYNACK;
	return DS_BS_NONE;
}

static inline enum ds_backscatter ds_backscatter_icmp(__u8 type)
{
	switch (type) {
	case 0:
		return DS_BS_ECHO_REPLY;
	case 3:  /* destination unreachable */
	case 4:  /* source quench */
	case 5:  /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		return DS_BS_ICMP_ERROR;
	default:
		return DS_BS_NONE;
	}
}

#endif /* __DS_BACKSCATTER_H */
