#!/bin/sh
# run.sh - the data-validate benchmark (`make bench`, see bench/README.md)
#
#   O=build BENCH_ROWS=10000000 sh bench/run.sh
#
# Generates the table once into $O/bench/, then times, in this one run and
# on the same warm file: wc -l (the memory-bandwidth floor), data-validate
# with 2 threads and 1, and the pandas peer. Prints one small table of
# ratios. Exits 0 when every tool that ran said the table is valid, 1 when
# one failed, 2 on a usage error, 3 when the bench itself cannot run.
set -u
cd "$(dirname "$0")/.." || exit 3

O=${O:-build}
ROWS=${BENCH_ROWS:-10000000}
case $ROWS in
'' | *[!0-9]* | 0*)
	echo "bench: BENCH_ROWS must be a positive integer, not '$ROWS'" >&2
	exit 2
	;;
esac

dir=$O/bench
csv=$dir/table-$ROWS.csv
gen=$dir/gen-table
schema=bench/schema.json
dv=$O/bin/data-validate
py=/usr/bin/python3
res=$dir/results
notes=$dir/notes
updated=

mkdir -p "$dir" || exit 3
for tag in wc dv2 dv1 pandas; do
	rm -f "$dir/$tag.time" "$dir/$tag.out" "$dir/$tag.err"
done
: >"$res"
: >"$notes"

note() {
	echo "$*" >>"$notes"
}

# install PACKAGE: install a Debian package, as root only (like
# scripts/deps.sh); fails quietly where that is not possible.
install() {
	command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || return 1
	echo "bench: installing $1" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$updated" ]; then
		apt-get update -qq >&2 || return 1
		updated=1
	fi
	apt-get install -y --no-install-recommends "$1" >&2 </dev/null
}

if [ ! -x /usr/bin/time ] && ! install time; then
	echo "bench: /usr/bin/time is missing; as root: apt-get install time" >&2
	exit 3
fi

# The generator is always rebuilt (it takes a fraction of a second); the
# table only when the generator's source or the row count changed, or a
# previous run left it incomplete.
${CC:-cc} -O2 -o "$gen" bench/gen-table.c || exit 3
stamp="$ROWS $(cksum <bench/gen-table.c)"
if [ -f "$csv" ] && [ -f "$csv.stamp" ] &&
	[ "$(cat "$csv.stamp")" = "$stamp $(wc -c <"$csv")" ]; then
	echo "bench: reusing $csv" >&2
else
	echo "bench: generating $csv ($ROWS rows)" >&2
	rm -f "$csv" "$csv.stamp"
	if ! "$gen" "$ROWS" >"$csv.tmp" || ! mv "$csv.tmp" "$csv"; then
		rm -f "$csv.tmp"
		exit 3
	fi
	echo "$stamp $(wc -c <"$csv")" >"$csv.stamp"
fi
bytes=$(wc -c <"$csv")

# Every tool reads the file from the page cache, as the first one would
# otherwise pay for the disk alone.
cat "$csv" >/dev/null

# run TAG LABEL EXPECT CMD...: time CMD, whose stdout must be EXPECT (any
# output when EXPECT is empty) and whose exit status must be 0.
run() {
	tag=$1 label=$2 expect=$3
	shift 3
	echo "bench: $label" >&2
	/usr/bin/time -f '%e %M' -o "$dir/$tag.time" "$@" \
		>"$dir/$tag.out" 2>"$dir/$tag.err"
	st=$?
	# GNU time writes "Command exited with non-zero status N" first.
	read -r secs kb <<-EOF
		$(tail -n 1 "$dir/$tag.time")
	EOF
	echo "$label|$secs|$kb" >>"$res"
	if [ $st -ne 0 ] ||
		{ [ -n "$expect" ] && [ "$(cat "$dir/$tag.out")" != "$expect" ]; }; then
		note "FAILED: $label: exit $st: $(cat "$dir/$tag.out" \
			"$dir/$tag.err" | head -c 300 | tr '\n' ' ')"
		failed=1
	fi
}
failed=

run wc "wc -l" "$((ROWS + 1)) $csv" wc -l "$csv"

if [ -x "$dv" ]; then
	for n in 2 1; do
		run dv$n "data-validate --threads $n" "" \
			"$dv" --schema "$schema" --threads $n --quiet "$csv"
	done
else
	note "skipped: data-validate ($dv is not built yet)"
fi

if ! "$py" -c 'import pandas' 2>/dev/null; then
	install python3-pandas || note "skipped: pandas (python3-pandas" \
		"missing; as root: apt-get install python3-pandas)"
fi
if "$py" -c 'import pandas' 2>/dev/null; then
	pdver=$("$py" -c 'import pandas; print(pandas.__version__)')
	run pandas "pandas $pdver" "$ROWS rows, 0 errors" \
		"$py" bench/pandas_validate.py --schema "$schema" "$csv"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
	head -n 1)
printf 'data-validate bench: %s rows, %s bytes, %s CPUs%s, warm cache\n\n' \
	"$ROWS" "$bytes" "$(nproc 2>/dev/null || echo '?')" "${cpu:+ ($cpu)}"
awk -F'|' -v bytes="$bytes" -v rows="$ROWS" '
function ratio(a, b) {
	return (a > 0 && b > 0) ? sprintf("%.1fx", a / b) : "-"
}
function per(n, s, unit,	v) {
	if (s <= 0)
		return "-"
	v = n / s / unit
	return sprintf(v >= 100 ? "%.0f" : "%.3g", v)
}
{
	name[NR] = $1; secs[NR] = $2; kb[NR] = $3
	if ($1 == "wc -l")
		wc = $2
	if ($1 ~ /^pandas/)
		pd = $2
}
END {
	fmt = "| %-25s | %8s | %7s | %10s | %8s | %9s | %8s |\n"
	printf fmt, "tool", "seconds", "MB/s", "rows/s", "RSS MB", \
		"vs pandas", "vs wc -l"
	printf fmt, "---", "---:", "---:", "---:", "---:", "---:", "---:"
	for (i = 1; i <= NR; i++)
		printf fmt, name[i], sprintf("%.2f", secs[i]), \
			per(bytes, secs[i], 1e6), per(rows, secs[i], 1), \
			sprintf("%.1f", kb[i] * 1024 / 1e6), \
			pd == "" ? "-" : ratio(pd, secs[i]), \
			wc == "" ? "-" : ratio(secs[i], wc)
}' "$res"
printf '\nvs pandas = pandas seconds / tool seconds (higher is faster)\n'
printf 'vs wc -l = tool seconds / wc -l seconds (1.0x is the floor)\n'
printf 'MB = 10^6 bytes; RSS MB = peak resident set\n'
[ -s "$notes" ] && cat "$notes"
[ -z "$failed" ] || exit 1
exit 0
