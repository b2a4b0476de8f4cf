#!/bin/sh
# run.sh - golden tests that run the real binaries
#
# A case is a folder tests/cli/<tool>/<case>/ holding:
#   cmd           shell commands, run in a scratch copy of the folder with
#                 the built tools first on PATH
#   expected.out  expected stdout (absent: not compared)
#   expected.err  expected stderr (absent: must be empty)
#   expected.rc   expected exit status of the last command (absent: 0)
#   expected/     files the commands must have written, byte for byte
# Timings, timestamps and host names are normalised before comparing.
# Run one case with: sh tests/cli/run.sh tests/cli/testtool/help
set -u
O=${O:-build}
root=$(pwd)
case $O in
/*) out=$O ;;
*) out=$root/$O ;;
esac
bin="$out/bin:$out/tests"
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

normalise() {
	sed -E -e 's/\(([0-9]+\.[0-9]+) s\)/(T s)/g' \
		-e 's/ in [0-9]+\.[0-9]+ s \([0-9]+ MB\/s\)/ in T s (R MB\/s)/g' \
		-e 's/ in [0-9]+\.[0-9]+ s$/ in T s/' \
		-e 's/time="[0-9.]+"/time="T"/g' \
		-e 's/timestamp="[^"]*"/timestamp="TS"/g' \
		-e 's/hostname="[^"]*"/hostname="HOST"/g' \
		-e 's/"duration_s": [0-9.e+-]+/"duration_s": 0/g' \
		-e 's/"started": "[^"]*"/"started": "TS"/g' "$@"
}

check() { # expected actual label
	if normalise "$2" | cmp -s "$1" -; then
		return 0
	fi
	echo "--- $label: $3 differs (expected vs actual):"
	normalise "$2" | diff -u "$1" - | head -n 40
	return 1
}

cases=${*:-$(find tests/cli -mindepth 2 -maxdepth 2 -type d | sort)}
for dir in $cases; do
	[ -f "$dir/cmd" ] || continue
	label=${dir#tests/cli/}
	work="$tmp/$label"
	mkdir -p "$work"
	cp -R "$dir"/. "$work"/
	(cd "$work" && PATH="$bin:$PATH" SRCDIR="$root" GITHUB_ACTIONS= \
		GITHUB_STEP_SUMMARY= \
		GITLAB_CI= JENKINS_URL= NO_COLOR=1 sh ./cmd >.out 2>.err)
	rc=$?
	ok=1
	want=0
	[ -f "$dir/expected.rc" ] && want=$(cat "$dir/expected.rc")
	if [ "$rc" != "$want" ]; then
		echo "--- $label: exit status $rc, expected $want"
		ok=0
	fi
	if [ -f "$dir/expected.out" ]; then
		check "$dir/expected.out" "$work/.out" stdout || ok=0
	fi
	if [ -f "$dir/expected.err" ]; then
		check "$dir/expected.err" "$work/.err" stderr || ok=0
	elif [ -s "$work/.err" ]; then
		echo "--- $label: unexpected stderr:"
		head -n 20 "$work/.err"
		ok=0
	fi
	if [ -d "$dir/expected" ]; then
		for f in $(cd "$dir/expected" && find . -type f | sort); do
			if [ ! -f "$work/$f" ]; then
				echo "--- $label: $f was not written"
				ok=0
			else
				check "$dir/expected/$f" "$work/$f" "$f" || ok=0
			fi
		done
	fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "ok     cli/$label"
	else
		fail=$((fail + 1))
		echo "FAIL   cli/$label"
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
