/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture_names.h - names in a capture directory that are not capture files
 * of prefix "cap": max-disk must never touch them.  test_pcap_writer checks
 * it through the writer, test_retention on the module alone.
 */
#ifndef __DARKSCOPE_TEST_CAPTURE_NAMES_H
#define __DARKSCOPE_TEST_CAPTURE_NAMES_H

static const char *const not_cap_files[] = {
	"cap-eth1-2026-11-19T00-00-00.pcap.gz", /* another prefix, ours + "-eth1" */
	"capx-2026-11-19T00-00-00.pcap.gz",
	"cap-2026-11-19T00-00-00.pcap",
	"cap-2026-11-19T00-00-00.pcap.gz.tmp",
	"cap-2026-11-19T00-00.pcap.gz",
	"cap-2026-11-19T00-00-00.x.pcap.gz",
	"cap-2026-11-19T00-00-00.0.pcap.gz",     /* suffixes start at 1 */
	"cap-2026-11-19T00-00-00..pcap.gz",
	"cap-2026-11-19X00-00-00.pcap.gz",
	"notes.txt",
};
#define N_NOT_CAP_FILES (sizeof(not_cap_files) / sizeof(not_cap_files[0]))

#endif /* __DARKSCOPE_TEST_CAPTURE_NAMES_H */
