/*
 * util.c — small helpers shared by the subcommands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

const char *weir_cli_store_default(void)
{
	const char *e = getenv("WEIR_STORE");
	return e && *e ? e : "sqlite:weir.db";
}

void weir_cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "weir %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int weir_cli_int(const char *cmd, const char *flag, const char *val, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(val, &end, 10);
	if (errno || end == val || *end || v < min || v > max) {
		weir_cli_err(cmd, "%s: expected an integer from %lld to %lld, got '%s'", flag, (long long)min,
			     (long long)max, val);
		return -1;
	}
	*out = v;
	return 0;
}
