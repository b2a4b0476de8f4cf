/* git.c - libgit2 setup and error conversion */
#include <git2.h>

#include "mlgate/error.h"
#include "mlgate/git.h"

int mlg_git_init(void)
{
	int rc = git_libgit2_init();

	return rc < 0 ? mlg_git_error(rc, "cannot initialise libgit2") : 0;
}

void mlg_git_shutdown(void)
{
	git_libgit2_shutdown();
}

int mlg_git_error(int git_rc, const char *what)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown git error";
	int code = MLG_ERROR;

	if (git_rc == GIT_ENOTFOUND)
		code = MLG_ENOTFOUND;
	else if (e &&
		 (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_HTTP ||
		  e->klass == GIT_ERROR_SSH || e->klass == GIT_ERROR_SSL))
		code = MLG_ENETWORK;
	return mlg_error_set(code, "%s: %s", what, msg);
}
