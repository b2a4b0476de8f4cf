/* secret.c - the registry of values masked in all output */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "mlgate/secret.h"
#include "mlgate/stream.h"
#include "mlgate/util.h"

static char **secrets;
static size_t nsecrets, asecrets;

/* "::add-mask::" each line of `value`: a workflow command ends at a
 * newline, and the runner decodes %25 and %0D in its value, so a '%' or
 * a CR is written encoded to be masked as it is. */
static void announce(const char *value)
{
	const char *p = value;

	fputs("::add-mask::", stderr);
	for (; *p; p++) {
		if (*p == '\n' && p[1])
			fputs("\n::add-mask::", stderr);
		else if (*p == '%')
			fputs("%25", stderr);
		else if (*p == '\r')
			fputs("%0D", stderr);
		else if (*p != '\n')
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
	fflush(stderr);
}

int mlg_secret_add(const char *value)
{
	size_t i, n = strlen(value);

	if (n < MLG_SECRET_MIN)
		return mlg_error_set(
			MLG_EINVALID,
			"secret too short to mask (under %d bytes)",
			MLG_SECRET_MIN);
	for (i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], value))
			return 0;
	/* Longest first: a secret that holds another is masked whole, not
	 * cut by the other's mask and its rest left in the clear. */
	secrets = mlg_grow(secrets, sizeof(*secrets), nsecrets + 1, &asecrets);
	for (i = nsecrets; i > 0 && strlen(secrets[i - 1]) < n; i--)
		secrets[i] = secrets[i - 1];
	secrets[i] = mlg_strdup(value);
	nsecrets++;
	if (mlg_ci_detect() == MLG_CI_GITHUB)
		announce(value);
	return 0;
}

/* Register <s, n> when it has `min` bytes or more. */
static void add_span(const char *s, size_t n, size_t min)
{
	char *v = mlg_strndup(s, n);

	if (n >= min && n >= MLG_SECRET_MIN)
		mlg_secret_add(v);
	free(v);
}

/* A query value shorter is no credential ("auth=true"), nor a user name
 * alone, and masking it would garble every report. */
#define QUERY_MIN 8

/* Whether a query parameter named <s, n> holds a credential. */
static int credential_name(const char *s, size_t n)
{
	static const char *const words[] = {
		"sig",	"token",      "key",	 "secret",
		"pass", "credential", "session", "auth",
	};
	char *name = mlg_strndup(s, n);
	size_t i;
	int hit = 0;

	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	for (i = 0; i < sizeof(words) / sizeof(*words) && !hit; i++)
		hit = strstr(name, words[i]) != NULL;
	free(name);
	return hit;
}

void mlg_secret_add_url(const char *s)
{
	const char *p, *q, *end, *at, *colon, *eq;
	size_t n;

	if (!mlg_stream_is_url(s))
		return;
	p = strstr(s, "://") + 3;
	n = strcspn(p, "/?#");
	/* The user info ends at the authority's last '@'. */
	for (at = p + n; at > p && at[-1] != '@'; at--)
		;
	/* A user info of a user alone, of 8 bytes or more, is a token
	 * (https://TOKEN@host/...), not a user's name. */
	if (at > p && (colon = memchr(p, ':', (size_t)(at - 1 - p))))
		add_span(colon + 1, (size_t)(at - 2 - colon), 0);
	else if (at > p)
		add_span(p, (size_t)(at - 1 - p), QUERY_MIN);
	q = p + n + strcspn(p + n, "?#");
	if (*q != '?')
		return;
	for (q++; *q && *q != '#'; q += *q == '&') {
		end = q + strcspn(q, "&#");
		eq = memchr(q, '=', (size_t)(end - q));
		if (eq && credential_name(q, (size_t)(eq - q)))
			add_span(eq + 1, (size_t)(end - eq - 1), QUERY_MIN);
		q = end;
	}
}

int mlg_secret_mask(struct mlg_buf *b)
{
	size_t i;
	int rc;

	for (i = 0; i < nsecrets; i++) {
		rc = mlg_buf_replace(b, secrets[i], strlen(secrets[i]),
				     MLG_SECRET_MASK);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void mlg_secret_mask_str(char *s, size_t size)
{
	size_t i, n, m = strlen(MLG_SECRET_MASK);
	char *hit;

	(void)size;
	for (i = 0; i < nsecrets; i++) {
		n = strlen(secrets[i]);
		while ((hit = strstr(s, secrets[i]))) {
			memcpy(hit, MLG_SECRET_MASK, m);
			memmove(hit + m, hit + n, strlen(hit + n) + 1);
		}
	}
}

size_t mlg_secret_count(void)
{
	return nsecrets;
}

void mlg_secret_clear(void)
{
	size_t i;

	for (i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = asecrets = 0;
}
