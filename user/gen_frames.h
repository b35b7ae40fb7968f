/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* gen_frames.h - the template frames `darkscope gen` hands its XDP program. */
#ifndef __DARKSCOPE_GEN_FRAMES_H
#define __DARKSCOPE_GEN_FRAMES_H

#include <linux/types.h>

/* Ethernet minimum without FCS: shorter templates get padding, as a NIC adds. */
#define GEN_FRAME_MIN 60
#define GEN_FRAME_MAX 128

/* Builds the template of protocol proto (enum ds_proto_idx): a TCP SYN, a
 * UDP datagram with a short payload or an ICMP echo request, from src to dst
 * (network order), with valid checksums.  Returns the frame length. */
int gen_frame_build(__u8 *frame, int proto, const __u8 dst_mac[6], const __u8 src_mac[6],
		    __be32 src, __be32 dst);

#endif /* __DARKSCOPE_GEN_FRAMES_H */
