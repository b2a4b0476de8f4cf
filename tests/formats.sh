#!/bin/sh
# formats.sh - validate every report format with a real consumer
#
# Writes all formats from tests/formats/hostile.json (markup, control
# characters, newlines, '%', ':' and ',' in names), then checks the JUnit
# XML against the schema with xmllint and re-reads everything in Python
# (junitparser, jsonschema) in tests/formats/check.py.
set -u
O=${O:-build}
tool="$O/tests/mlg-testtool"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0
fail=0

"$tool" --checks tests/formats/hostile.json --json "$out/report.json" \
	--junit "$out/junit.xml" --codequality "$out/cq.json" \
	--summary "$out/summary.md" >/dev/null 2>&1
GITHUB_ACTIONS=true "$tool" --checks tests/formats/hostile.json \
	--quiet >"$out/all.txt" 2>/dev/null
grep '^::' "$out/all.txt" >"$out/gh.txt"

if xmllint --noout --schema tests/formats/junit.xsd "$out/junit.xml" \
	2>"$out/xmllint.err"; then
	pass=$((pass + 1))
	echo "ok     formats.junit-xsd"
else
	fail=$((fail + 1))
	cat "$out/xmllint.err"
	echo "FAIL   formats.junit-xsd"
fi

/usr/bin/python3 tests/formats/check.py "$out" >"$out/py.txt" 2>&1
cat "$out/py.txt"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/py.txt" | tail -n 1)
if [ -n "$line" ]; then
	pass=$((pass + ${line%% passed*}))
	f=${line#*passed, }
	fail=$((fail + ${f%% failed*}))
else
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
