/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture.bpf.h - which counted frames go to the AF_XDP capture sockets.
 *
 * Runs after a frame is counted, so selecting or redirecting it cannot
 * change a count.  cfg_capture is 0 unless the daemon runs with --capture;
 * it is read-only data, so the verifier removes all of this when it is 0.
 */
#ifndef __DARKSCOPE_CAPTURE_BPF_H
#define __DARKSCOPE_CAPTURE_BPF_H

/* Set by the daemon before load: enum ds_capture_select bits, and N of
 * the 1-in-N sample. */
const volatile __u32 cfg_capture = 0;
const volatile __u32 cfg_sample_n = 1;

/* 1-in-N per receive queue: the queue's first frame, then every Nth.  No
 * atomics: only the CPU polling the queue writes its slot (in skb mode two
 * CPUs may meet on one queue; the sample is then only about 1-in-N). */
static __always_inline bool sample_due(__u32 queue)
{
	struct sample_countdown_slot *s = bpf_map_lookup_elem(&sample_countdown, &queue);

	if (!s)
		return false;
	if (s->left) {
		s->left--;
		return false;
	}
	s->left = cfg_sample_n - 1;
	return true;
}

/* The sample is judged first and for every counted frame, so which frames
 * it takes (the 1st, N+1th, ... of a queue) does not depend on the other
 * rules. */
static __always_inline bool capture_selects(struct xdp_md *ctx, const struct pkt_info *pi,
					    bool new_key)
{
	__u32 sel = cfg_capture;
	bool take = false;

	if (sel & DS_CAPTURE_SAMPLE)
		take = sample_due(ctx->rx_queue_index);
	if (sel & DS_CAPTURE_ALL)
		take = true;
	if ((sel & DS_CAPTURE_NEW) && new_key)
		take = true;
	if ((sel & DS_CAPTURE_MIRAI) && pi->mirai)
		take = true;
	if ((sel & DS_CAPTURE_PAYLOAD) && pi->payload)
		take = true;
	return take;
}

/* Redirect to the socket of the frame's queue; with none there,
 * bpf_redirect_map() returns the fallback verdict and the frame is
 * counted as CAPTURE_NO_SOCKET. */
static __always_inline __u32 capture_redirect(struct xdp_md *ctx, struct ds_counters *ctr,
					      __u32 verdict)
{
	__u32 act = bpf_redirect_map(&capture_sockets, ctx->rx_queue_index, verdict);

	if (ctr) {
		ctr->c[DS_CTR_CAPTURE_SELECTED]++;
		if (act != XDP_REDIRECT)
			ctr->c[DS_CTR_CAPTURE_NO_SOCKET]++;
	}
	return act;
}

#endif /* __DARKSCOPE_CAPTURE_BPF_H */
