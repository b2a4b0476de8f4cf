/*
 * error.h - error codes and the last error message
 *
 * The core never exits. A function that can fail returns 0 on success or
 * one of the negative codes below, after recording a one-line message with
 * mlg_error_set(). The caller either handles the failure or returns the
 * code unchanged: context is added once, at the tool level, never by
 * overwriting a message that is already set.
 *
 * Messages follow git: lowercase, no full stop, the failure first, the
 * subject quoted:  cannot open 'schema.json': No such file or directory
 *
 * The message is per thread, so worker threads may fail independently.
 */
#ifndef MLGATE_ERROR_H
#define MLGATE_ERROR_H

#include <stdarg.h>

/* Error codes. Stable: append, never renumber. */
enum mlg_err {
	MLG_OK = 0,
	MLG_ERROR = -1,	    /* unspecified runtime failure (exit 3) */
	MLG_EINVALID = -2,  /* invalid input: usage, schema, config (exit 2) */
	MLG_ENOTFOUND = -3, /* a named thing does not exist (exit 2) */
	MLG_EIO = -4,	    /* file system or stream I/O (exit 3) */
	MLG_ENETWORK = -5,  /* network, HTTP, registry (exit 3) */
	MLG_ELIMIT = -6, /* a configured size or count limit was hit (exit 3) */
	MLG_EDATA = -7,	 /* input data is malformed beyond recovery (exit 1) */
};

/* The process exit codes of every gate (DESIGN.md). Stable. */
enum mlg_exit {
	MLG_EXIT_PASS = 0,
	MLG_EXIT_FAIL = 1,
	MLG_EXIT_USAGE = 2,
	MLG_EXIT_RUNTIME = 3,
};

struct mlg_error {
	int code;
	char message[1024];
};

/*
 * Record `code` and a printf-style message as the last error of this
 * thread. Returns `code`, so a caller can write
 * `return mlg_error_set(MLG_EINVALID, "bad '%s'", s);`.
 * Secret values registered with mlg_secret_add() are masked in the message.
 */
int mlg_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mlg_error_vset(int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Like mlg_error_set(), with ": <strerror(errnum)>" appended. Maps ENOMEM,
 * ENOENT and the rest to MLG_ELIMIT, MLG_ENOTFOUND and MLG_EIO.
 */
int mlg_error_errno(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prefix the current message with "<prefix>: ". Used once, where the
 * caller knows the subject the callee did not (a file name, a row).
 */
void mlg_error_prefix(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The last error of this thread (borrowed); NULL if none was set. */
const struct mlg_error *mlg_error_last(void);

/* The last message, or "unknown error" when none is set. Borrowed. */
const char *mlg_error_message(void);

/* Forget the last error. */
void mlg_error_clear(void);

/* The exit code for a negative error code: 2 for bad input, 1 for bad
 * data, 3 for the rest. */
int mlg_error_exit_code(int code);

/* A short name for a code ("invalid", "io", ...). Never NULL. */
const char *mlg_error_name(int code);

#endif
