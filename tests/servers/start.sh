# Sourced by golden cases to start a test server:
#	set -- SCRIPT ARG...; . "$SRCDIR"/tests/servers/start.sh
# (a tests/servers/ script that prints its port and serves until its
# standard input closes); sets URL. The server's stdin is fd 9 of the
# case's shell: when the shell exits, whatever happens, the server goes.
mkfifo .srv-in
/usr/bin/python3 "$SRCDIR/tests/servers/$@" <.srv-in >.port &
exec 9>.srv-in
i=0
while [ ! -s .port ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
URL=http://127.0.0.1:$(cat .port)
export no_proxy='*' http_proxy= HTTP_PROXY= https_proxy= HTTPS_PROXY=
