#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check_layers.sh LAYER:DEP,DEP ... - the include rule of user/'s layers.
#
# A file in user/LAYER/ or tests/unit/LAYER/ may include "X/name.h" only
# for X = LAYER or one of its DEPs (the Makefile's LAYER_DEPS table), and
# every project header by its layer path, so the layer is visible at each
# include.  Prints one line per violation and "PASS layers" or
# "FAIL layers"; exits 1 on a violation.
set -u
cd "$(dirname "$0")/../.."
declare -A allowed
for spec in "$@"; do
	layer=${spec%%:*}
	allowed[$layer]="$layer ${spec#*:}"
	allowed[$layer]=${allowed[$layer]//,/ }
done
bad=0
for dir in user tests/unit; do
	for f in "$dir"/*/*.[ch]; do
		layer=$(basename "$(dirname "$f")")
		if [ -z "${allowed[$layer]+x}" ]; then
			echo "$f: folder '$layer' is not a layer in the Makefile's LAYERS"
			bad=1
			continue
		fi
		while IFS=: read -r line inc; do
			target=${inc%%/*}
			case " ${allowed[$layer]} " in
			*" $target "*) ;;
			*) echo "$f:$line: layer '$layer' may not include \"$inc\" (may use: ${allowed[$layer]})"
			   bad=1 ;;
			esac
		done < <(grep -n '^#include "[a-z_]*/[a-z_]*\.h"' "$f" | sed 's/:#include "\(.*\)".*/:\1/')
	done
done
# A project header included without its layer folder hides the layer.
for f in user/*/*.[ch]; do
	for h in $(sed -n 's/^#include "\([a-z_]*\.h\)".*/\1/p' "$f"); do
		if ls user/*/"$h" >/dev/null 2>&1; then
			echo "$f: include \"$h\" by its layer path (\"$(basename "$(dirname "$(ls user/*/"$h" | head -1)")")/$h\")"
			bad=1
		fi
	done
done
if [ "$bad" = 0 ]; then echo "PASS layers"; else echo "FAIL layers"; fi
exit "$bad"
