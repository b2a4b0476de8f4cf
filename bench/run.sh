#!/bin/sh
# run.sh - the data-validate benchmark (`make bench`, see bench/README.md)
#
#   O=build BENCH_ROWS=10000000 sh bench/run.sh
#
# Generates the table once into $O/bench/ (bench/lib.sh), then times, in
# this one run and on the same warm file: wc -l (the memory-bandwidth
# floor), data-validate with 2 threads and 1, and the pandas peer; then
# data-validate on a copy whose ids are scattered, not ascending. Prints
# one small table of ratios. Exits 0 when every tool that ran said the
# table is valid, 1 when one failed, 2 on a usage error, 3 when the bench
# itself cannot run.
set -u
cd "$(dirname "$0")/.." || exit 3
work=${O:-build}/bench/validate
. bench/lib.sh
table
schema=bench/schema.json
dv=$O/bin/data-validate

if [ -x "$dv" ]; then
	scattered
else
	note "skipped: data-validate ($dv is not built yet)"
fi
pdver=$(pandas_version)
while rounds; do
	timed wc "wc -l" "$((ROWS + 1)) $csv" wc -l "$csv"
	if [ -x "$dv" ]; then
		for n in 2 1; do
			timed dv$n "data-validate --threads $n" "" \
				"$dv" --schema "$schema" --threads $n --quiet \
				"$csv"
		done
		timed dvs "data-validate --threads 2, ids scattered" "" \
			"$dv" --schema "$schema" --threads 2 --quiet "$scsv"
	fi
	[ -n "$pdver" ] && timed pandas "pandas $pdver" "$ROWS rows, 0 errors" \
		"$py" bench/pandas_validate.py --schema "$schema" "$csv"
done

printf 'data-validate bench: %s rows, %s bytes, %s, warm cache,\n' \
	"$ROWS" "$bytes" "$machine"
printf 'the fastest of %s runs of each command, run in turn\n\n' "$runs"
results pandas pandas wc
printf '\nvs pandas = pandas seconds / tool seconds (higher is faster)\n'
printf 'vs wc -l = tool seconds / wc -l seconds (1.0x is the floor)\n'
printf 'MB = 10^6 bytes; RSS MB = peak resident set\n'
finish
