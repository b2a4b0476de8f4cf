/*
 * git.h - libgit2, initialised once and its errors converted here
 *
 * The one place git2.h is included. Gates that read history (perf-gate)
 * or move refs (promote) build on these.
 */
#ifndef MLGATE_GIT_H
#define MLGATE_GIT_H

/* Initialise and shut down libgit2 (reference counted by libgit2). */
int mlg_git_init(void);
void mlg_git_shutdown(void);

/*
 * Convert a libgit2 return code into an MLG_E* code with libgit2's last
 * message: "<what>: <libgit2 message>". GIT_ENOTFOUND becomes
 * MLG_ENOTFOUND; network classes MLG_ENETWORK; the rest MLG_ERROR.
 */
int mlg_git_error(int git_rc, const char *what);

#endif
