// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rollup_dir.c - a sensor directory's closed spans, each rolled up once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollup/rollup_dir.h"
#include "rollup/rollup_sources.h"
#include "util/log.h"
#include "util/member_file.h"
#include "util/timeutil.h"

const char *const ROLLUP_SERIES_NAMES[ROLLUP_SERIES] = { "flows", "ports", "sensor" };

#define LOCK_NAME ".lock"
#define SPILL_PREFIX ".spill-"

/* Hold DIR/rollup/.lock: fd, -EWOULDBLOCK when another run has it, -errno. */
static int lock_dir(const char *rdir)
{
	char path[PATH_MAX];
	int fd, err;

	if ((size_t)snprintf(path, sizeof(path), "%s/" LOCK_NAME, rdir) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err = -errno;
		pr_warn("rollup: %s: %s\n", path, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		close(fd);
		if (err != -EWOULDBLOCK)
			pr_warn("rollup: %s: cannot lock it: %s\n", path, strerror(-err));
		return err;
	}
	return fd;
}

/* The files of a spill directory, then the directory. */
static void remove_spill_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char file[PATH_MAX + 256];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", path, e->d_name) < sizeof(file))
			unlink(file);
	}
	closedir(d);
	if (rmdir(path))
		pr_warn("rollup: cannot remove '%s': %s\n", path, strerror(errno));
}

/* What a killed run left: ".NAME.tmp" files and spill directories. */
static void remove_leftovers(const char *rdir)
{
	DIR *d = opendir(rdir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] != '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", rdir, e->d_name) >= sizeof(path))
			continue;
		if (len > 5 && !strcmp(e->d_name + len - 4, ".tmp")) {
			if (!unlink(path))
				pr_info("rollup: removed '%s', left by an earlier run\n", path);
		} else if (!strncmp(e->d_name, SPILL_PREFIX, strlen(SPILL_PREFIX))) {
			pr_info("rollup: removing '%s', left by an earlier run\n", path);
			remove_spill_dir(path);
		}
	}
	closedir(d);
}

static bool span_wanted(const struct rollup_dir_opts *o, const struct rollup_span *span)
{
	__u64 end = span->start + rollup_unit_seconds(span->unit);

	return span->start >= o->from && end <= o->to && end + o->grace <= o->now;
}

/* Every span of unit that the sources touch, in order. */
static int roll_unit(const char *dir, int series, const struct source_set *set,
		     enum rollup_unit unit, const struct rollup_dir_opts *o,
		     struct rollup_tally *t)
{
	int failed = 0;

	for (size_t i = 0; i < set->n;) {
		struct rollup_span span = rollup_span_of(unit, set->v[i].hour);
		enum rollup_result result;
		struct rollup_stats st;
		size_t lo, hi;
		int err;

		source_set__span(set, &span, &lo, &hi);
		i = hi;
		if (!span_wanted(o, &span)) {
			t->s[series].open += span.start + rollup_unit_seconds(unit) + o->grace > o->now;
			continue;
		}
		err = rollup_span(dir, ROLLUP_SERIES_NAMES[series], &span, &set->v[lo], hi - lo,
				  &o->r, &result, &st);
		if (err) {
			t->s[series].failed++;
			failed = err;
			continue;
		}
		if (result == ROLLUP_CURRENT) {
			t->s[series].current++;
			continue;
		}
		if (result == ROLLUP_REFUSED) {
			t->s[series].refused++;
			failed = -EINVAL;
			continue;
		}
		t->s[series].made++;
		t->s[series].rows_in += st.rows_in;
		t->s[series].rows_out += st.rows_out;
		t->s[series].bytes += st.bytes;
		t->s[series].runs += st.runs;
		if (st.runs)
			pr_info("rollup: %s: %s of %s: %zu flow runs on disk (--max-keys)\n", dir,
				ROLLUP_SERIES_NAMES[series], rollup_unit_name(unit), st.runs);
	}
	return failed;
}

int rollup_dir(const char *dir, const struct rollup_dir_opts *o, struct rollup_tally *t)
{
	char rdir[PATH_MAX], spill[PATH_MAX + 32];
	struct rollup_dir_opts opts = *o;
	int lock, err = 0, found = 0;
	struct stat st;

	memset(t, 0, sizeof(*t));
	/* DIR/rollup is made if missing, DIR itself never: a typo is an error. */
	if (stat(dir, &st))
		err = -errno;
	else if (!S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	if (err) {
		pr_warn("rollup: %s: %s\n", dir, strerror(-err));
		return err;
	}
	if ((size_t)snprintf(rdir, sizeof(rdir), "%s/" ROLLUP_SUBDIR, dir) >= sizeof(rdir))
		return -ENAMETOOLONG;
	err = output_dir_prepare(rdir, 0755, "rollup", ROLLUP_NAME_MAX + 8);
	if (err)
		return err;
	lock = lock_dir(rdir);
	if (lock == -EWOULDBLOCK) {
		pr_info("rollup: %s: another darkscope rollup is working on it: left to that one\n",
			dir);
		t->busy = true;
		return 0;
	}
	if (lock < 0)
		return lock;
	remove_leftovers(rdir);
	snprintf(spill, sizeof(spill), "%s/" SPILL_PREFIX "%d", rdir, (int)getpid());
	opts.r.tmp_dir = spill;
	for (int s = 0; s < ROLLUP_SERIES; s++) {
		struct source_set set = { 0 };
		int ret = source_set__scan(&set, dir, ROLLUP_SERIES_NAMES[s]);

		if (ret) {
			err = ret;
			break;
		}
		found += set.n > 0;
		if (o->days)
			ret = roll_unit(dir, s, &set, ROLLUP_DAY, &opts, t);
		if (o->hours) {
			int r2 = roll_unit(dir, s, &set, ROLLUP_HOUR, &opts, t);

			ret = ret ? ret : r2;
		}
		err = err ? err : ret;
		source_set__free(&set);
	}
	if (!found && !err)
		pr_warn("rollup: %s: no series files (flows-, ports-, sensor-YYYY-MM-DDTHH.tsv.gz)\n",
			dir);
	close(lock);
	return err;
}
