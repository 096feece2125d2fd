/* err.h - the one list of error codes, and an error value that carries its message.
 *
 * Every fallible function returns 0 on success or a negative ZQ_E* code, and
 * (where it takes one) fills a caller-owned zq_err with a message that names
 * what was wrong ("cron_expression: minute field: bad token '61'"). The HTTP
 * layer maps codes to statuses; the message becomes {"detail": ...}. */
#ifndef ZQ_ERR_H
#define ZQ_ERR_H

#include <stdarg.h>

/* X(name, value, default message) */
#define ZQ_ERR_MAP(X)                                              \
	X(EINVAL, -1, "invalid argument")                          \
	X(ENOTFOUND, -2, "not found")                              \
	X(ECONFLICT, -3, "conflict")                               \
	X(ETOOBIG, -4, "too large")                                \
	X(EAUTH, -5, "authentication required")                    \
	X(EPERM, -6, "permission denied")                          \
	X(ERATE, -7, "too many requests")                          \
	X(EDB, -8, "database error")                               \
	X(EDBDOWN, -9, "database unavailable")                     \
	X(EIO, -10, "I/O error")                                   \
	X(ESCHEMA, -11, "database schema does not match")          \
	X(EUNSUPPORTED, -12, "not supported")                      \
	X(EBUSY, -13, "busy")                                      \
	X(ETIMEDOUT, -14, "timed out")                             \
	X(ECONFIG, -15, "configuration error")                     \
	X(ENOSPACE, -16, "no space left")                          \
	X(EINTERNAL, -17, "internal error")                        \
	X(ESTALE, -18, "version does not match")

enum zq_errcode {
	ZQ_OK = 0,
#define ZQ_ERR_ENUM(name, val, msg) ZQ_##name = (val),
	ZQ_ERR_MAP(ZQ_ERR_ENUM)
#undef ZQ_ERR_ENUM
};

#define ZQ_ERR_MSG_MAX 512

typedef struct zq_err {
	int code;                  /* 0 or a ZQ_E* code */
	char msg[ZQ_ERR_MSG_MAX];  /* NUL-terminated; "" when code is 0 */
} zq_err;

#define ZQ_ERR_INIT {0, {0}}

/* Text of a code ("not found"); "unknown error" for codes not in the map. */
const char *zq_strerror(int code);
/* Symbolic name of a code ("ENOTFOUND"), for logs and tests. */
const char *zq_errname(int code);

/* Fill err (may be NULL) with code and a formatted message; returns code, so
 * callers write `return zq_errf(err, ZQ_EINVAL, "name: too long");`. */
int zq_errf(zq_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int zq_verrf(zq_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Prefix an existing message: "config: " + msg. Keeps the code. */
int zq_err_prefix(zq_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void zq_err_clear(zq_err *err);

#endif
