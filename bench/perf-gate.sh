#!/bin/sh
# perf-gate.sh - the perf-gate benchmark (`make bench`, bench/README.md)
#
#   O=build sh bench/perf-gate.sh
#
# Builds once, into $O/bench/pg/, a git repository of 10,000 commits on
# main, each changing metrics.json (200 metrics), with a history of 1,000
# records on refs/mlgate/history (bench/perf-gate-repo.py). Then times,
# in this one run (median of several runs; CPU = user + system of the
# process): perf-gate over 200 metrics from files, with the baseline read
# from git (REV:PATH), and against the last 100 history records; beside
# `git show` reading the same objects and the pandas script a team would
# write instead (bench/pandas_metrics_diff.py). Exits 0, or 1 when a
# tool failed, 3 when the bench cannot run.
set -u
cd "$(dirname "$0")/.." || exit 3

O=${O:-build}
case $O in
/*) ;;
*) O=$(pwd)/$O ;;
esac
N=${BENCH_RUNS:-20}
dir=$O/bench/pg
repo=$dir/repo
pg=$O/bin/perf-gate
py=/usr/bin/python3
stamp="10000 200 1000 $(cksum <bench/perf-gate-repo.py)"
failed=

if [ ! -x "$pg" ]; then
	echo "bench: $pg is not built" >&2
	exit 3
fi
if [ "$(cat "$dir/stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "bench: creating $repo (10,000 commits)" >&2
	rm -rf "$dir"
	mkdir -p "$dir" &&
		"$py" bench/perf-gate-repo.py "$repo" 10000 200 1000 &&
		echo "$stamp" >"$dir/stamp" || exit 3
fi
cp "$dir/current.json" "$repo/current.json" || exit 3
git -C "$repo" show HEAD~1:metrics.json >"$repo/base.json" || exit 3

res=$dir/results
: >"$res"
# run LABEL RUNS CMD...: one checked run (exit 0 or 1: the gate may
# fail, the tool must not break), then RUNS timed ones.
run() {
	label=$1 runs=$2
	shift 2
	echo "bench: $label" >&2
	(cd "$repo" && "$@" >/dev/null 2>"$dir/err")
	if [ $? -gt 1 ]; then
		echo "FAILED: $label: $(head -c 300 "$dir/err")" >&2
		failed=1
	fi
	echo "$label|$(cd "$repo" && "$py" "$OLDPWD/bench/timeit.py" \
		"$runs" "$@")" >>"$res"
}

run "perf-gate, 200 metrics, baseline file" "$N" \
	"$pg" -q --baseline base.json current.json
run "perf-gate, baseline at HEAD~1 (git)" "$N" \
	"$pg" -q --baseline-ref HEAD~1 --baseline-path metrics.json \
	current.json
run "git show HEAD~1:metrics.json" "$N" git show HEAD~1:metrics.json
run "perf-gate --history, last 100 records" "$N" \
	"$pg" -q --history --window 100 --rule '*: zscore <= 3' current.json
run "git show <newest history chunk>" "$N" \
	git show refs/mlgate/history:history.jsonl
if "$py" -c 'import pandas' 2>/dev/null; then
	run "pandas, baseline at HEAD~1" 5 "$py" \
		"$OLDPWD/bench/pandas_metrics_diff.py" . HEAD~1 metrics.json \
		current.json
	run "pandas, + last 100 records" 5 "$py" \
		"$OLDPWD/bench/pandas_metrics_diff.py" . HEAD~1 metrics.json \
		current.json --history 100
else
	echo "skipped: pandas (python3-pandas is not installed)" >&2
fi

printf '\nperf-gate bench: 10,000 commits, 200 metrics, 1,000 history records (newest chunk history.jsonl: %s KB)\n\n' \
	"$(($(git -C "$repo" cat-file -s refs/mlgate/history:history.jsonl) / 1000))"
awk -F'|' '
{ split($2, t, " "); name[NR] = $1; wall[NR] = t[1]; cpu[NR] = t[2] }
END {
	fmt = "| %-40s | %8s | %8s |\n"
	printf fmt, "task", "wall ms", "CPU ms"
	printf fmt, "---", "---:", "---:"
	for (i = 1; i <= NR; i++)
		printf fmt, name[i], wall[i], cpu[i]
}' "$res"
printf '\nmedian of %s runs (pandas: 5); CPU = user + system time of the process\n' "$N"
[ -z "$failed" ] || exit 1
exit 0
