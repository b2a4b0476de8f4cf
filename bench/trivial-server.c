/*
 * trivial-server - an HTTP/1.1 keep-alive server that answers every
 * request with the same small OIP v2 response, for bench/latency.sh.
 *
 *   trivial-server [THREADS]
 *
 * Binds 127.0.0.1 on a free port, prints the port on stdout, serves
 * until killed. Each thread runs its own epoll loop on a shared
 * listening socket (EPOLLEXCLUSIVE). Requests may be pipelined; a body
 * is skipped by its Content-Length (no chunked bodies).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODY                                                                   \
	"{\"model_name\":\"m\",\"id\":\"1\",\"outputs\":[{\"name\":"           \
	"\"output-0\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[0.5]}]}"

static char resp[512];
static size_t resp_len;
static int lfd;

struct conn {
	int fd;
	size_t len, skip; /* bytes buffered; body bytes still to drop */
	char buf[16384];
};

/* Answer every complete request in c->buf; -1 to close. */
static int serve(struct conn *c)
{
	char out[64 * 512];
	size_t n = 0, off = 0;

	for (;;) {
		char *end, *cl;
		size_t head, body = 0;

		if (c->skip) {
			size_t k =
				c->len - off < c->skip ? c->len - off : c->skip;
			off += k;
			c->skip -= k;
			if (c->skip)
				break;
		}
		end = memmem(c->buf + off, c->len - off, "\r\n\r\n", 4);
		if (!end)
			break;
		head = (size_t)(end - (c->buf + off)) + 4;
		*end = '\0';
		cl = strcasestr(c->buf + off, "\r\ncontent-length:");
		if (cl)
			body = strtoul(cl + 17, NULL, 10);
		off += head;
		c->skip = body;
		if (n + resp_len > sizeof(out)) {
			if (write(c->fd, out, n) != (ssize_t)n)
				return -1;
			n = 0;
		}
		memcpy(out + n, resp, resp_len);
		n += resp_len;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	if (c->len == sizeof(c->buf))
		return -1; /* a header larger than the buffer */
	if (n && write(c->fd, out, n) != (ssize_t)n)
		return -1;
	return 0;
}

static void *loop(void *arg)
{
	struct epoll_event ev = {0}, evs[64];
	int ep = epoll_create1(0), i, n, one = 1;

	(void)arg;
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			ssize_t r;

			if (!c) {
				int fd =
					accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

				if (fd < 0)
					continue;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				c = calloc(1, sizeof(*c));
				c->fd = fd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			r = read(c->fd, c->buf + c->len,
				 sizeof(c->buf) - c->len);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0 || (c->len += (size_t)r, serve(c))) {
				close(c->fd);
				free(c);
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int threads = argc > 1 ? atoi(argv[1]) : 1, i, one = 1;
	pthread_t t;

	resp_len = (size_t)snprintf(resp, sizeof(resp),
				    "HTTP/1.1 200 OK\r\n"
				    "Content-Type: application/json\r\n"
				    "Content-Length: %zu\r\n\r\n%s",
				    strlen(BODY), BODY);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 1024) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen)) {
		perror("trivial-server");
		return 1;
	}
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (i = 1; i < threads; i++)
		pthread_create(&t, NULL, loop, NULL);
	loop(NULL);
	return 0;
}
