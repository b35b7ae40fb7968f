// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * iface_lock.c - the per-(network namespace, interface) sensor lock.
 *
 * The same interface name in two namespaces is two interfaces, so the
 * namespace's inode is part of the name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sensor/iface_lock.h"
#include "util/log.h"

int iface_lock_path(const char *dir, const char *ifname, char *buf, size_t size)
{
	struct stat st;
	int n;

	if (stat("/proc/self/ns/net", &st))
		st.st_ino = 0;
	n = snprintf(buf, size, "%s/%s.netns%lu.lock", dir, ifname,
		     (unsigned long)st.st_ino);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int iface_lock__take(struct iface_lock *l, const char *dir, const char *ifname)
{
	int fd, err;

	l->fd = -1;
	err = iface_lock_path(dir, ifname, l->path, sizeof(l->path));
	if (err) {
		pr_warn("Lock file name for interface '%s' in %s is too long\n", ifname, dir);
		return err;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		pr_warn("Couldn't create %s: %s\n", dir, strerror(-err));
		return err;
	}
	fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err = -errno;
		pr_warn("Couldn't open lock file %s: %s\n", l->path, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		close(fd);
		if (err == -EWOULDBLOCK) {
			pr_warn("darkscope is already running on interface '%s' (%s is locked)\n",
				ifname, l->path);
			return -EBUSY;
		}
		pr_warn("Couldn't lock %s: %s\n", l->path, strerror(-err));
		return err;
	}
	l->fd = fd;
	pr_info("Holding interface lock %s\n", l->path);
	return 0;
}

void iface_lock__release(struct iface_lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
