/* error.c - the per-thread last error */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/secret.h"

static _Thread_local struct mlg_error last;
static _Thread_local int is_set;

int mlg_error_vset(int code, const char *fmt, va_list ap)
{
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	mlg_secret_mask_str(last.message, sizeof(last.message));
	last.code = code;
	is_set = 1;
	return code;
}

int mlg_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlg_error_vset(code, fmt, ap);
	va_end(ap);
	return code;
}

int mlg_error_errno(int errnum, const char *fmt, ...)
{
	int code = MLG_EIO;
	size_t n;
	va_list ap;

	if (errnum == ENOENT || errnum == ENOTDIR)
		code = MLG_ENOTFOUND;
	else if (errnum == ENOMEM || errnum == EFBIG || errnum == ENOSPC)
		code = MLG_ELIMIT;
	va_start(ap, fmt);
	mlg_error_vset(code, fmt, ap);
	va_end(ap);
	n = strlen(last.message);
	snprintf(last.message + n, sizeof(last.message) - n, ": %s",
		 strerror(errnum));
	return code;
}

void mlg_error_prefix(const char *fmt, ...)
{
	char old[sizeof(last.message)];
	size_t n;
	va_list ap;

	memcpy(old, last.message, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	va_end(ap);
	n = strlen(last.message);
	snprintf(last.message + n, sizeof(last.message) - n, ": %s",
		 is_set ? old : "unknown error");
	mlg_secret_mask_str(last.message, sizeof(last.message));
	if (!is_set)
		last.code = MLG_ERROR;
	is_set = 1;
}

const struct mlg_error *mlg_error_last(void)
{
	return is_set ? &last : NULL;
}

const char *mlg_error_message(void)
{
	return is_set ? last.message : "unknown error";
}

void mlg_error_clear(void)
{
	is_set = 0;
	last.code = 0;
	last.message[0] = '\0';
}

int mlg_error_exit_code(int code)
{
	switch (code) {
	case MLG_OK:
		return MLG_EXIT_PASS;
	case MLG_EINVALID:
	case MLG_ENOTFOUND:
		return MLG_EXIT_USAGE;
	case MLG_EDATA:
		return MLG_EXIT_FAIL;
	default:
		return MLG_EXIT_RUNTIME;
	}
}

const char *mlg_error_name(int code)
{
	switch (code) {
	case MLG_OK:
		return "ok";
	case MLG_EINVALID:
		return "invalid";
	case MLG_ENOTFOUND:
		return "not-found";
	case MLG_EIO:
		return "io";
	case MLG_ENETWORK:
		return "network";
	case MLG_ELIMIT:
		return "limit";
	case MLG_EDATA:
		return "data";
	default:
		return "error";
	}
}
