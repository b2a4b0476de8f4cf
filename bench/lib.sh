# lib.sh - what the benchmarks share; sourced by the bench/*.sh scripts
# after `cd` to the top of the tree, with $work set to the folder for
# their results (created here).
#
# Sets O, ROWS (BENCH_ROWS, default 10 M), runs (BENCH_RUNS, default 3),
# dir, csv, py, res, notes, failed, machine; defines note, install,
# have_pandas, pandas_version, timed, rounds and table. Exits 2 on a bad BENCH_ROWS or
# BENCH_RUNS, 3 when nothing can be measured.
O=${O:-build}

# positive NAME VALUE: exit 2 unless VALUE is a positive integer.
positive() {
	case $2 in
	'' | *[!0-9]* | 0*)
		echo "bench: $1 must be a positive integer, not '$2'" >&2
		exit 2
		;;
	esac
}

ROWS=${BENCH_ROWS:-10000000}
positive BENCH_ROWS "$ROWS"
# Each command runs BENCH_RUNS times (default 3), once a round, and its
# fastest run counts: on a shared virtual machine one run can be a fifth
# slower than the next.
runs=${BENCH_RUNS:-3}
positive BENCH_RUNS "$runs"
dir=$O/bench
csv=$dir/table-$ROWS.csv
gen=$dir/gen-table
py=/usr/bin/python3
res=$work/results
notes=$work/notes
updated=
failed=

mkdir -p "$work" || exit 3
rm -f "$work"/*.time "$work"/*.out "$work"/*.err
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

# have_pandas: 0 when /usr/bin/python3 can import pandas (installed as
# root when missing), else a "skipped" note.
have_pandas() {
	"$py" -c 'import pandas' 2>/dev/null && return 0
	install python3-pandas || note "skipped: pandas (python3-pandas" \
		"missing; as root: apt-get install python3-pandas)"
	"$py" -c 'import pandas' 2>/dev/null
}

# pandas_version: the version of pandas, after have_pandas; nothing
# without it.
pandas_version() {
	have_pandas && "$py" -c 'import pandas; print(pandas.__version__)'
}

# timed TAG LABEL EXPECT CMD...: time one run of CMD with GNU time, and
# keep for TAG its fastest run and largest peak RSS so far. The scripts
# call it in rounds, each of their commands once a round ($runs rounds,
# see rounds()): the speed of a shared virtual machine drifts over
# minutes, and a tool and its peer then meet the same drift. CMD must
# exit 0 and, when EXPECT is not empty, print exactly EXPECT; otherwise
# a FAILED note, that run is the one kept, and TAG does not run again.
timed() {
	tag=$1 label=$2 expect=$3
	shift 3
	# Shell variables are global: the t_ ones are timed()'s, the
	# TAG_ ones keep what rounds() reports.
	eval "t_best=\${best_$tag-} t_peak=\${peak_$tag-0} t_dead=\${dead_$tag-}"
	[ -n "$t_dead" ] && return 0
	if [ -z "$t_best" ]; then
		tags="$tags $tag"
		eval "label_$tag=\$label"
	fi
	echo "bench: $label" >&2
	/usr/bin/time -f '%e %M' -o "$work/$tag.time" "$@" \
		>"$work/$tag.out" 2>"$work/$tag.err"
	st=$?
	# GNU time writes "Command exited with non-zero status N" first.
	read -r secs kb <<-EOF
		$(tail -n 1 "$work/$tag.time")
	EOF
	if [ $st -ne 0 ] || { [ -n "$expect" ] &&
		[ "$(cat "$work/$tag.out")" != "$expect" ]; }; then
		note "FAILED: $label: exit $st: $(cat "$work/$tag.out" \
			"$work/$tag.err" | head -c 300 | tr '\n' ' ')"
		failed=1
		t_best=$secs t_peak=$kb t_dead=1
	else
		if [ -z "$t_best" ] ||
			awk "BEGIN { exit !($secs < $t_best) }"; then
			t_best=$secs
		fi
		[ "$kb" -gt "$t_peak" ] && t_peak=$kb
	fi
	eval "best_$tag=\$t_best peak_$tag=\$t_peak dead_$tag=\$t_dead"
}

# rounds: 0 while another round of timed() calls is due; after the
# last, 1, with the run kept for each tag in $res as "TAG|LABEL|seconds|
# KiB", in the order the tags were first timed.
round=0 tags=
rounds() {
	round=$((round + 1))
	[ $round -le "$runs" ] && return 0
	for tag in $tags; do
		eval "echo \"\$tag|\$label_$tag|\$best_$tag|\$peak_$tag\"" >>"$res"
	done
	return 1
}

if [ ! -x /usr/bin/time ] && ! install time; then
	echo "bench: /usr/bin/time is missing; as root: apt-get install time" >&2
	exit 3
fi

# cached FILE STAMP CMD...: make FILE with CMD's standard output unless
# it is there, complete and stamped STAMP ($FILE.stamp also records its
# size, so a run cut short is redone); then read it into the page cache,
# so that every tool finds it warm, and set bytes.
cached() {
	file=$1 want="$2"
	shift 2
	if [ -f "$file" ] && [ -f "$file.stamp" ] &&
		[ "$(cat "$file.stamp")" = "$want $(wc -c <"$file")" ]; then
		echo "bench: reusing $file" >&2
	else
		echo "bench: generating $file ($ROWS rows)" >&2
		rm -f "$file" "$file.stamp"
		if ! "$@" >"$file.tmp" || ! mv "$file.tmp" "$file"; then
			rm -f "$file.tmp"
			exit 3
		fi
		echo "$want $(wc -c <"$file")" >"$file.stamp"
	fi
	bytes=$(wc -c <"$file")
	cat "$file" >/dev/null
}

# table: the table of bench/gen-table.c, $dir/table-ROWS.csv. The
# generator is always rebuilt (a fraction of a second); the table only
# when the generator's source or the row count changed.
table() {
	${CC:-cc} -O2 -o "$gen" bench/gen-table.c || exit 3
	cached "$csv" "$ROWS $(cksum <bench/gen-table.c)" "$gen" "$ROWS"
}

# scattered: the same table with the ids in an order that jumps about
# (gen-table --scatter), $scsv, where a unique key cannot keep them as a
# run. After table(); the same size as $csv.
scattered() {
	scsv=$dir/table-$ROWS-scatter.csv
	cached "$scsv" "$ROWS $(cksum <bench/gen-table.c) scatter" \
		"$gen" --scatter "$ROWS"
}

# results PEER LABEL [FLOOR [NORATIO]]: print $res as a Markdown table:
# tool, seconds, MB/s and rows/s of the whole input ($bytes, $ROWS),
# RSS MB, "vs LABEL" = the seconds of the row tagged PEER / the row's
# seconds (none on rows whose tag matches the regex NORATIO), and with a
# FLOOR tag "vs <its label>" = the row's seconds / the floor's.
results() {
	awk -F'|' -v bytes="$bytes" -v rows="$ROWS" -v peer="$1" \
		-v label="$2" -v floor="${3:-}" -v noratio="${4:-}" '
function ratio(a, b) {
	return (a > 0 && b > 0) ? sprintf("%.1fx", a / b) : "-"
}
function per(n, s, unit,	v) {
	if (s <= 0)
		return "-"
	v = n / s / unit
	return sprintf(v >= 100 ? "%.0f" : "%.3g", v)
}
function line(a, b, c, d, e, f, g) {
	printf "| %-*s | %8s | %7s | %10s | %8s | %9s |", w, a, b, c, d, e, f
	printf floor == "" ? "\n" : sprintf(" %8s |\n", g)
}
{
	tag[NR] = $1; name[NR] = $2; secs[NR] = $3; kb[NR] = $4
	if ($1 == peer)
		pk = $3
	if ($1 == floor) {
		fl = $3
		fname = $2
	}
	if (length($2) > w)
		w = length($2)
}
END {
	line("tool", "seconds", "MB/s", "rows/s", "RSS MB", "vs " label,
	     "vs " fname)
	line("---", "---:", "---:", "---:", "---:", "---:", "---:")
	for (i = 1; i <= NR; i++)
		line(name[i], sprintf("%.2f", secs[i]), \
		     per(bytes, secs[i], 1e6), per(rows, secs[i], 1), \
		     sprintf("%.1f", kb[i] * 1024 / 1e6), \
		     pk == "" || (noratio != "" && tag[i] ~ noratio) ? "-" : \
		     ratio(pk, secs[i]), fl == "" ? "-" : ratio(secs[i], fl))
}' "$res"
}

# finish: print the notes; exit 1 when something failed, else 0.
finish() {
	[ -s "$notes" ] && cat "$notes"
	[ -z "$failed" ] || exit 1
	exit 0
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
	head -n 1)
machine="$(nproc 2>/dev/null || echo '?') CPUs${cpu:+ ($cpu)}"
