/* log.c - messages on stderr, prefixed and masked */
#include <stdarg.h>
#include <stdio.h>

#include "mlgate/buf.h"
#include "mlgate/secret.h"
#include "mlgate/tool.h"

static const char *prefix = "mlgate";
static int level = 1; /* 0 quiet, 1 normal, 2 verbose */

void mlg_log_init(const char *tool, int verbose, int quiet)
{
	prefix = tool;
	level = quiet ? 0 : verbose ? 2 : 1;
}

static __attribute__((format(printf, 2, 0))) void
vlog(const char *kind, const char *fmt, va_list ap)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_addf(&b, "%s: %s", prefix, kind);
	mlg_buf_vaddf(&b, fmt, ap);
	mlg_buf_addch(&b, '\n');
	mlg_secret_mask(&b);
	fputs(b.ptr, stderr);
	mlg_buf_release(&b);
}

#define LOGGER(name, min, kind)                                                \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		if (level < (min))                                             \
			return;                                                \
		va_start(ap, fmt);                                             \
		vlog(kind, fmt, ap);                                           \
		va_end(ap);                                                    \
	}

LOGGER(mlg_info, 1, "")
LOGGER(mlg_debug, 2, "")
LOGGER(mlg_warn, 0, "warning: ")
LOGGER(mlg_errmsg, 0, "")
