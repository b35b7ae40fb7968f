// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * retention.c - max-disk for capture files.
 *
 * The list of a prefix's files, oldest first, is rebuilt from the directory
 * when the caller says the set changed (a file created or closed) and is
 * otherwise only shortened from its head, so a flush costs no directory
 * scan.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/retention.h"
#include "util/log.h"
#include "util/timeutil.h"

/* "YYYY-MM-DDTHH-MM-SS" */
#define STAMP_LEN 19

/* One file of the prefix. */
struct listed_file {
	char name[CAPTURE_NAME_MAX];
	char stamp[STAMP_LEN + 1];
	unsigned long suffix; /* 0: none */
	__u64 size;           /* bytes (st_size) */
};

struct retention {
	char dir[PATH_MAX];
	char prefix[CAPTURE_PREFIX_MAX + 1];
	__u64 limit;
	struct listed_file *files; /* oldest first */
	size_t n_files, cap_files;
	__u64 bytes;               /* of the files listed */
};

int capture_file_name(char *buf, size_t size, const char *prefix, __u64 sec,
		      unsigned int suffix)
{
	char stamp[21];
	int len;

	/* "2026-11-22T03:04:05Z" -> "2026-11-22T03-04-05": no ':' in names. */
	ts_format_iso(sec, stamp);
	stamp[13] = stamp[16] = '-';
	stamp[STAMP_LEN] = '\0';
	if (suffix)
		len = snprintf(buf, size, "%s-%s.%u.pcap.gz", prefix, stamp, suffix);
	else
		len = snprintf(buf, size, "%s-%s.pcap.gz", prefix, stamp);
	return (size_t)len < size ? 0 : -ENAMETOOLONG;
}

/*
 * name is "<prefix>-YYYY-MM-DDTHH-MM-SS[.N].pcap.gz": fill stamp and suffix
 * (0 without).  Anchored on the whole pattern, so the files of prefix "cap"
 * and of prefix "cap-eth1" never match each other.
 */
static bool parse_file_name(const char *prefix, const char *name, char *stamp,
			    unsigned long *suffix)
{
	static const char pattern[] = "dddd-dd-ddTdd-dd-dd";
	size_t plen = strlen(prefix);
	const char *p;
	char *end;

	if (strncmp(name, prefix, plen) || name[plen] != '-')
		return false;
	p = name + plen + 1;
	for (int i = 0; i < STAMP_LEN; i++)
		if (pattern[i] == 'd' ? !isdigit((unsigned char)p[i]) : p[i] != pattern[i])
			return false;
	memcpy(stamp, p, STAMP_LEN);
	stamp[STAMP_LEN] = '\0';
	p += STAMP_LEN;
	*suffix = 0;
	if (p[0] == '.' && isdigit((unsigned char)p[1])) {
		errno = 0;
		*suffix = strtoul(p + 1, &end, 10);
		if (errno || !*suffix)
			return false;
		p = end;
	}
	return !strcmp(p, ".pcap.gz");
}

static int listed_file_cmp(const void *a, const void *b)
{
	const struct listed_file *x = a, *y = b;
	int c = strcmp(x->stamp, y->stamp);

	if (c)
		return c;
	return x->suffix < y->suffix ? -1 : x->suffix > y->suffix;
}

struct retention *retention__open(const char *dir, const char *prefix, __u64 limit)
{
	struct retention *r;

	if (strlen(dir) >= sizeof(r->dir) || strlen(prefix) >= sizeof(r->prefix)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	strcpy(r->dir, dir);
	strcpy(r->prefix, prefix);
	r->limit = limit;
	return r;
}

/* Append f to the list, growing it. */
static int list_add(struct retention *r, const struct listed_file *f)
{
	if (r->n_files == r->cap_files) {
		size_t cap = r->cap_files ? r->cap_files * 2 : 64;
		struct listed_file *files = realloc(r->files, cap * sizeof(*files));

		if (!files)
			return -ENOMEM;
		r->files = files;
		r->cap_files = cap;
	}
	r->files[r->n_files++] = *f;
	r->bytes += f->size;
	return 0;
}

int retention__scan(struct retention *r, const char *open_name)
{
	struct listed_file f;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err = 0;

	r->n_files = 0;
	r->bytes = 0;
	d = opendir(r->dir);
	if (!d) {
		err = -errno;
		pr_warn("capture directory '%s': cannot list it for max-disk: %s\n", r->dir,
			strerror(-err));
		return err;
	}
	while ((de = readdir(d))) {
		if (strlen(de->d_name) >= sizeof(f.name) ||
		    !parse_file_name(r->prefix, de->d_name, f.stamp, &f.suffix))
			continue;
		if (open_name && !strcmp(de->d_name, open_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		strcpy(f.name, de->d_name);
		f.size = st.st_size;
		err = list_add(r, &f);
		if (err)
			break;
	}
	closedir(d);
	if (err) {
		/* A part of the list is no guide to the oldest files. */
		r->n_files = 0;
		r->bytes = 0;
		pr_warn("capture directory '%s': no memory to list it for max-disk\n", r->dir);
		return err;
	}
	qsort(r->files, r->n_files, sizeof(*r->files), listed_file_cmp);
	return 0;
}

unsigned int retention__enforce(struct retention *r, __u64 open_bytes)
{
	unsigned int deleted = 0;
	char path[PATH_MAX];
	size_t i;

	if (!r->limit)
		return 0;
	for (i = 0; i < r->n_files && r->bytes + open_bytes > r->limit; i++) {
		struct listed_file *f = &r->files[i];
		int err = 0;

		/* The caller checked the length of dir. */
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", r->dir, f->name) >= sizeof(path))
			err = -ENAMETOOLONG;
		else if (unlink(path))
			err = -errno;
		if (!err) {
			deleted++;
			pr_info("capture file '%s' (%llu bytes) deleted: max-disk %llu bytes\n",
				path, (unsigned long long)f->size, (unsigned long long)r->limit);
		} else if (err != -ENOENT) {
			pr_warn("capture file '%s': cannot delete it for max-disk: %s\n", path,
				strerror(-err));
		}
		/* Forgotten either way (gone already: someone else deleted it); the
		 * next scan finds it again if it is still there. */
		r->bytes -= f->size;
	}
	if (i) {
		memmove(r->files, r->files + i, (r->n_files - i) * sizeof(*r->files));
		r->n_files -= i;
	}
	return deleted;
}

void retention__listed(const struct retention *r, size_t *files, __u64 *bytes)
{
	*files = r->n_files;
	*bytes = r->bytes;
}

void retention__close(struct retention *r)
{
	if (!r)
		return;
	free(r->files);
	free(r);
}
