/* err.c - error code names and messages; formatting into zq_err. */
#include "err.h"

#include <stdio.h>
#include <string.h>

const char *zq_strerror(int code)
{
	switch (code) {
	case ZQ_OK:
		return "ok";
#define ZQ_ERR_STR(name, val, msg) \
	case ZQ_##name:            \
		return msg;
		ZQ_ERR_MAP(ZQ_ERR_STR)
#undef ZQ_ERR_STR
	}
	return "unknown error";
}

const char *zq_errname(int code)
{
	switch (code) {
	case ZQ_OK:
		return "OK";
#define ZQ_ERR_NAME(name, val, msg) \
	case ZQ_##name:             \
		return #name;
		ZQ_ERR_MAP(ZQ_ERR_NAME)
#undef ZQ_ERR_NAME
	}
	return "EUNKNOWN";
}

int zq_verrf(zq_err *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

int zq_errf(zq_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zq_verrf(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int zq_err_prefix(zq_err *err, const char *fmt, ...)
{
	char prefix[ZQ_ERR_MSG_MAX];
	size_t pl, ml;
	va_list ap;

	if (!err)
		return ZQ_EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	pl = strlen(prefix);
	ml = strnlen(err->msg, sizeof(err->msg) - 1);
	if (pl > sizeof(err->msg) - 1)
		pl = sizeof(err->msg) - 1;
	if (pl + ml > sizeof(err->msg) - 1)
		ml = sizeof(err->msg) - 1 - pl;
	memmove(err->msg + pl, err->msg, ml);
	memcpy(err->msg, prefix, pl);
	err->msg[pl + ml] = '\0';
	return err->code;
}

void zq_err_clear(zq_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
