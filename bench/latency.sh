#!/bin/sh
# bench/latency.sh - requests/s of mlgate's load generator (mlg_http_load,
# closed model) against wrk, both on bench/trivial-server.c over loopback.
#
#   sh bench/latency.sh [CONNECTIONS [SECONDS [THREADS]]]   (64 10 CPUs)
#
# mlg_http_load() runs one thread per CPU; wrk gets THREADS threads, by
# default as many.
#
# Builds the server and bench/loadgen.c (against $O/libmlgate.a, which
# must be built: make), installs wrk as root when it is missing, and
# prints req/s of both and their ratio. Not a test: numbers depend on
# the machine and on what else runs on it.
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
C=${1:-64}
D=${2:-10}
T=${3:-$(nproc)}
B=$O/bench
URL_PATH=/v2/models/m/infer

work=$O/bench/latency
. bench/lib.sh
command -v wrk >/dev/null 2>&1 || install wrk ||
	{ echo "bench: wrk is missing; as root: apt-get install wrk" >&2; exit 3; }
[ -f "$O/libmlgate.a" ] ||
	{ echo "bench: $O/libmlgate.a is missing: run make first" >&2; exit 3; }
mkdir -p "$B"
cc -O2 -Wall -Wextra -o "$B/trivial-server" bench/trivial-server.c -pthread
cc -O2 -Wall -Wextra -Iinclude -D_GNU_SOURCE -o "$B/loadgen" bench/loadgen.c \
	"$O/libmlgate.a" $(pkg-config --libs libcurl jansson libgit2 \
	libarchive libcrypto libpcre2-8) -lm -pthread

tmp=$(mktemp -d)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"$B/trivial-server" 1 >"$tmp/port" &
srv=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
url=http://127.0.0.1:$(cat "$tmp/port")$URL_PATH
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP64","data":[5.1,3.5,1.4,0.2]}]}'
wrk.headers["Content-Type"] = "application/json"
LUA

echo "server: $url ($(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "\$ $B/loadgen $url $C $D"
m=$("$B/loadgen" "$url" "$C" "$D")
echo "$m"
echo "\$ wrk -t$T -c$C -d${D}s -s post.lua $url"
w=$(wrk -t"$T" -c"$C" -d"${D}s" -s "$tmp/post.lua" "$url")
echo "$w" | grep -E 'Latency|Requests/sec'
mr=$(echo "$m" | sed -n 's/.* req\/s \([0-9.]*\) .*/\1/p')
wr=$(echo "$w" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
awk -v m="$mr" -v w="$wr" 'BEGIN {
	printf "mlgate %.0f req/s, wrk %.0f req/s, ratio %.2f\n", m, w, m / w }'
