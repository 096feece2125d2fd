/* log.h - one line per event on stderr, written with a single write(2) so
 * lines from different threads never interleave.
 *
 * Format: 2026-11-21T12:00:00.123Z INFO zq-scheduler[1234]: FIRE task=12 ...
 * Scheduler events use fixed words first (STYLE §6): FIRE CLAIM START PROGRESS
 * DONE FAIL RETRY REAP. Never log secrets (passwords, tokens, DSNs). */
#ifndef ZQ_LOG_H
#define ZQ_LOG_H

enum zq_log_level {
	ZQ_LOG_DEBUG = 0,
	ZQ_LOG_INFO = 1,
	ZQ_LOG_WARN = 2,
	ZQ_LOG_ERROR = 3,
};

/* Call once at start-up, before threads. ident is kept by pointer. */
void zq_log_init(const char *ident, int level);
void zq_log_set_level(int level);
int zq_log_get_level(void);
/* "debug" | "info" | "warn" | "error" -> level, or -1. */
int zq_log_level_parse(const char *s);
const char *zq_log_level_name(int level);

void zq_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define zq_debug(...) zq_log(ZQ_LOG_DEBUG, __VA_ARGS__)
#define zq_info(...) zq_log(ZQ_LOG_INFO, __VA_ARGS__)
#define zq_warn(...) zq_log(ZQ_LOG_WARN, __VA_ARGS__)
#define zq_error(...) zq_log(ZQ_LOG_ERROR, __VA_ARGS__)

#endif
