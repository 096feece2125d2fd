/* log.c - thread-safe line logger on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

static const char *log_ident = "zq";
static atomic_int log_level = ZQ_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void zq_log_init(const char *ident, int level)
{
	log_ident = ident;
	atomic_store(&log_level, level);
}

void zq_log_set_level(int level)
{
	atomic_store(&log_level, level);
}

int zq_log_get_level(void)
{
	return atomic_load(&log_level);
}

int zq_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *zq_log_level_name(int level)
{
	return level >= 0 && level < 4 ? level_names[level] : "?";
}

void zq_log(int level, const char *fmt, ...)
{
	static const char *const tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	char line[4096], ts[32];
	va_list ap;
	int n, m;

	if (level < atomic_load(&log_level) || level < 0 || level > 3)
		return;
	zq_time_format_iso(zq_wall_ms(), ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "%s %s %s[%d]: ", ts, tags[level], log_ident,
		     (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
