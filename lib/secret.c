/* secret.c - the registry of values masked in all output */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "mlgate/secret.h"
#include "mlgate/util.h"

static char **secrets;
static size_t nsecrets, asecrets;

int mlg_secret_add(const char *value)
{
	size_t i;

	if (strlen(value) < MLG_SECRET_MIN)
		return mlg_error_set(
			MLG_EINVALID,
			"secret too short to mask (under %d bytes)",
			MLG_SECRET_MIN);
	for (i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], value))
			return 0;
	secrets = mlg_grow(secrets, sizeof(*secrets), nsecrets + 1, &asecrets);
	secrets[nsecrets++] = mlg_strdup(value);
	if (mlg_ci_detect() == MLG_CI_GITHUB) {
		/* Workflow commands end at a newline: announce each line. */
		const char *p = value, *nl;

		do {
			nl = strchr(p, '\n');
			printf("::add-mask::%.*s\n",
			       (int)(nl ? (size_t)(nl - p) : strlen(p)), p);
			p = nl ? nl + 1 : NULL;
		} while (p && *p);
		fflush(stdout);
	}
	return 0;
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
