/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * table_group.h - run a table of cases as one cmocka group: one test per
 * row, named PREFIX<row name>, with the row as its state, then more[].
 * Rows are any struct whose first member is `const char *name`.
 * Include after <cmocka.h>.
 */
#ifndef __DARKSCOPE_TABLE_GROUP_H
#define __DARKSCOPE_TABLE_GROUP_H

#include <stdio.h>
#include <stdlib.h>

#define TABLE_NAME_MAX 64

static inline int table_group_run(const char *group, const char *prefix, const void *rows,
				  size_t row_size, size_t nrows, CMUnitTestFunction row_test,
				  const struct CMUnitTest *more, size_t nmore,
				  CMFixtureFunction setup, CMFixtureFunction teardown)
{
	struct CMUnitTest *tests = calloc(nrows + nmore, sizeof(*tests));
	char (*names)[TABLE_NAME_MAX] = calloc(nrows, TABLE_NAME_MAX);
	size_t i;
	int failed;

	if (!tests || !names) {
		fprintf(stderr, "%s: out of memory\n", group);
		return 1;
	}
	for (i = 0; i < nrows; i++) {
		const void *row = (const char *)rows + i * row_size;

		snprintf(names[i], TABLE_NAME_MAX, "%s%s", prefix, *(const char *const *)row);
		tests[i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = row_test,
			.initial_state = (void *)row,
		};
	}
	for (i = 0; i < nmore; i++)
		tests[nrows + i] = more[i];
	failed = _cmocka_run_group_tests(group, tests, nrows + nmore, setup, teardown);
	free(tests);
	free(names);
	return failed;
}

#endif /* __DARKSCOPE_TABLE_GROUP_H */
