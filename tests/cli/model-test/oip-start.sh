# Sourced by the endpoint cases: start tests/servers/oip_server.py in
# the case's folder (it writes test.csv and reference.json there).
set -- oip_server.py .
. "$SRCDIR"/tests/servers/start.sh
