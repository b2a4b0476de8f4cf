# Sourced by the endpoint cases: start tests/servers/oip_server.py in
# the case's folder (it writes test.csv and reference.json there) and set
# URL. The server exits when fd 9, its standard input, is closed: when
# the case's shell exits, whatever happens.
mkfifo .srv-in
/usr/bin/python3 "$SRCDIR"/tests/servers/oip_server.py . <.srv-in >.port &
exec 9>.srv-in
i=0
while [ ! -s .port ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
URL=http://127.0.0.1:$(cat .port)
export no_proxy='*' http_proxy= HTTP_PROXY=
