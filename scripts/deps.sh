#!/bin/sh
# deps.sh [build] [test] - install the Debian packages mlgate needs
#
# Installs what is missing when run as root (apt-get update first); else
# prints the one command that would, and fails.
set -u

BUILD="gcc make pkg-config libc6-dev libcurl4-openssl-dev libjansson-dev
libgit2-dev libarchive-dev libssl-dev libpcre2-dev libyaml-dev"
TEST="libxml2-utils python3 python3-jsonschema python3-junitparser git gzip
zstd xz-utils bzip2 python3-sklearn"

want=
for set in "$@"; do
	case $set in
	build) want="$want $BUILD" ;;
	test) want="$want $TEST" ;;
	*) echo "deps.sh: unknown set '$set'" >&2; exit 2 ;;
	esac
done

command -v dpkg-query >/dev/null 2>&1 || {
	echo "deps.sh: not a Debian system; install the equivalents of:" $want >&2
	exit 0
}

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "mlgate: missing packages:$missing" >&2
	echo "mlgate: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "mlgate: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 && $cmd >&2 </dev/null
