#!/bin/sh
# profile.sh - the profile/merge benchmark of data-validate (bench/README.md)
#
#   O=build BENCH_ROWS=10000000 sh bench/profile.sh
#
# Same conventions and same generated table as bench/run.sh (made once in
# $O/bench/, reused when complete). Times, in this one run and on the same
# warm file: `data-validate profile` with 2 threads and 1, validation and
# profile in one pass, `--shard 1/2` and `--shard 2/2` then `merge` (merge
# timed alone), and the pandas peer bench/pandas_profile.py. Prints one
# Markdown table with ratios. Exits 0 when every tool that ran did its
# work (exit 0 and the right row count), 1 when one did not, 2 on a usage
# error, 3 when the bench itself cannot run.
set -u
cd "$(dirname "$0")/.." || exit 3
work=${O:-build}/bench/profile
. bench/lib.sh
table
schema=bench/schema.json
dv=$O/bin/data-validate
rm -f "$work"/*.json

# expect_rows TAG FILE N: the profile FILE must say it holds N rows.
expect_rows() {
	if ! grep -q "^  \"rows\": $3,\$" "$2" 2>/dev/null; then
		note "FAILED: $1: $2 does not hold $3 rows"
		failed=1
	fi
}
[ -x "$dv" ] || note "skipped: data-validate ($dv is not built yet)"
pdver=$(pandas_version)
cols=$(head -n 1 "$csv" | tr ',' '\n' | wc -l | tr -d ' ')
while rounds; do
	if [ -x "$dv" ]; then
		for n in 2 1; do
			timed prof$n "profile --threads $n" "" \
				"$dv" profile --threads $n --quiet "$csv" \
				-o "$work/prof$n.json"
		done
		timed valprof "validate + profile, 2 threads" "" \
			"$dv" --schema "$schema" --threads 2 --quiet \
			--profile "$work/valprof.json" "$csv"
		for k in 1 2; do
			timed shard$k "profile --shard $k/2, 2 threads" "" \
				"$dv" profile --shard $k/2 --threads 2 \
				--quiet "$csv" -o "$work/shard$k.json"
		done
		timed merge "merge of the 2 shards" "" \
			"$dv" merge --quiet "$work/shard1.json" \
			"$work/shard2.json" -o "$work/merged.json"
	fi
	[ -n "$pdver" ] && timed pandas "pandas $pdver describe" \
		"$ROWS rows, $cols columns profiled" \
		"$py" bench/pandas_profile.py "$csv"
done
if [ -x "$dv" ]; then
	for t in prof2 prof1 valprof merged; do
		expect_rows $t "$work/$t.json" "$ROWS"
	done
fi

printf 'data-validate profile bench: %s rows, %s bytes, %s, warm cache,\n' \
	"$ROWS" "$bytes" "$machine"
printf 'the fastest of %s runs of each command, run in turn\n\n' "$runs"
# Two CI jobs take a shard each at the same time, then one merges.
awk -F'|' '{ s[$1] = $3; k[$1] = $4 }
END {
	if (("shard1" in s) && ("shard2" in s) && ("merge" in s))
		printf "par|2 jobs in parallel, then merge|%s|%s\n",
			(s["shard1"] > s["shard2"] ? s["shard1"] : s["shard2"]) + \
			s["merge"], (k["shard1"] > k["shard2"] ? k["shard1"] : \
			k["shard2"])
}' "$res" >>"$res"
results pandas pandas
printf '\nvs pandas = pandas seconds / run seconds (higher is faster)\n'
printf 'MB/s and rows/s are of the whole file, which every run reads (a shard\n'
printf 'profiles half of the rows and steps over the rest); merge reads two\n'
printf 'profiles only.\n'
printf '"2 jobs in parallel" = the slower shard + merge (RSS: the larger shard):\n'
printf 'two jobs on runners of this machine'"'"'s kind, each shard with 2 threads.\n'
printf 'MB = 10^6 bytes; RSS MB = peak resident set\n'
finish
