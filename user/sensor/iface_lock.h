/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * iface_lock.h - one darkscope per (network namespace, interface).
 *
 * An exclusive flock() on /run/darkscope/IFACE.netnsINODE.lock, held for
 * the sensor's life.  The kernel drops it when the process dies however it
 * dies, so a program still attached while the lock is free was left by a
 * killed sensor (replace it), and one attached while the lock is held
 * belongs to a live sensor (refuse).
 */
#ifndef __DARKSCOPE_IFACE_LOCK_H
#define __DARKSCOPE_IFACE_LOCK_H

#include <stddef.h>

#define IFACE_LOCK_DIR "/run/darkscope"

struct iface_lock {
	int fd; /* -1 while not held */
	char path[128];
};

/* The lock file's path in dir (IFACE_LOCK_DIR; tests use their own) for
 * ifname in the caller's network namespace.  0, or -ENAMETOOLONG. */
int iface_lock_path(const char *dir, const char *ifname, char *buf, size_t size);
/* Takes the lock in dir (created if missing) without waiting.  0, -EBUSY when another process holds it
 * (logged as "already running"), or -errno (logged).  Logs the path it
 * holds, so whoever removes the namespace can remove the file. */
int iface_lock__take(struct iface_lock *l, const char *dir, const char *ifname);
/* Releases the lock (the file stays: removing it would race a new taker). */
void iface_lock__release(struct iface_lock *l);

#endif /* __DARKSCOPE_IFACE_LOCK_H */
