#!/bin/sh
# run.sh - run every test of mlgate against the build in $O
#
# Unit test binaries, golden CLI cases (tests/cli/run.sh), fuzz corpus
# replay and format validators each report "N passed, N failed"; this adds
# them up and ends with the total, which CI reads.
set -u
O=${O:-build}
export O
# libgit2 1.5.1 leaks pcre2 match data in every remote it creates (its
# url.*.insteadOf lookup): not ours to report in a sanitizer build.
LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Run a command that ends with "N passed, N failed"; add its counts. A
# command that dies without that line counts as one failure.
suite() {
	name=$1
	shift
	"$@" >"$log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		cat "$log"
		echo "FAIL   $name: exited $rc without a result line"
		total_fail=$((total_fail + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
		grep -v '^ok ' "$log"
		[ "$f" = 0 ] && f=1
	elif [ -n "${VERBOSE:-}" ]; then
		cat "$log"
	fi
	echo "$name: $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

for t in "$O"/tests/test_*; do
	[ -x "$t" ] && suite "unit/${t##*/}" "$t"
done
for t in "$O"/tests/fuzz_*; do
	[ -x "$t" ] || continue
	n=${t##*/fuzz_}
	suite "fuzz/$n" "$t" tests/fuzz/corpus/"$n"
done
[ -f tests/cli/run.sh ] && suite cli sh tests/cli/run.sh
[ -f tests/formats.sh ] && suite formats sh tests/formats.sh

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
