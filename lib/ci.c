/* ci.c - which CI system runs us */
#include <stdlib.h>
#include <string.h>

#include "mlgate/report.h"
#include "mlgate/util.h"

static int env_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && !strcmp(v, value);
}

enum mlg_ci mlg_ci_detect(void)
{
	if (env_is("GITHUB_ACTIONS", "true"))
		return MLG_CI_GITHUB;
	if (env_is("GITLAB_CI", "true"))
		return MLG_CI_GITLAB;
	if (mlg_env("JENKINS_URL"))
		return MLG_CI_JENKINS;
	return MLG_CI_NONE;
}
