#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check_columns.sh GEN FILE - FILE (scripts/darkscope_lib/series_columns.py,
# checked in) is exactly what GEN (tests/lint/gen_columns.c) prints from the
# C column lists.  Prints the difference and "PASS columns" or
# "FAIL columns"; exits 1 when they differ.
set -u
gen=${1:?usage: check_columns.sh GEN FILE}
file=${2:?usage: check_columns.sh GEN FILE}
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! "$gen" >"$out"; then
	echo "$gen failed"
	echo "FAIL columns"
	exit 1
fi
if ! diff -u "$file" "$out"; then
	echo "$file is out of date with include/darkscope.h or user/series/series_format.c:" \
		"run 'make columns' and commit it"
	echo "FAIL columns"
	exit 1
fi
echo "PASS columns"
