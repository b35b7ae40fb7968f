#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_build_deps.sh - a build on a box without a needed Debian package
# stops first, names the package and says that `make deps` installs it.
# Simulated by adding a package that does not exist to BUILD_PKGS.
set -u
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fake=darkscope-no-such-package-dev
msg=$(make --no-print-directory O="$out/build" BUILD_PKGS="make $fake" 2>&1)
rc=$?
if [ "$rc" != 0 ] && grep -q "missing Debian packages to build: $fake" <<<"$msg" &&
	grep -q "make deps" <<<"$msg" && [ ! -e "$out/build/darkscope.bpf.o" ]; then
	echo "PASS build_names_missing_packages"
else
	printf 'exit %s, output:\n%s\n' "$rc" "$msg"
	echo "FAIL build_names_missing_packages"
fi
