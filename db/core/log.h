/* log.h - one line per event on stderr, written with a single write(2) so
 * lines from different threads never interleave.
 *
 * Format: 2026-11-21T12:00:00.123Z INFO zq-scheduler[1234]: FIRE task=12 ...
 * Scheduler events use fixed words first, so a grep finds them: FIRE CLAIM START PROGRESS
 * DONE FAIL RETRY REAP. Never log secrets (passwords, tokens, DSNs).
 * Control characters in a message are escaped (zq_log_escape): a value a
 * client sent can never start a line of its own. */
#ifndef ZQ_LOG_H
#define ZQ_LOG_H

#include <stddef.h>

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

/* Copy in[0..n) into out (outsz > 0, NUL-terminated) so it cannot break a
 * log line or a terminal: \n \r \t become "\\n" "\\r" "\\t", other C0
 * controls, DEL and bytes that are not valid UTF-8 become "\\xNN", C1
 * controls and invisible / bidi code points (U+200B-U+200F, U+2028-U+202E,
 * U+2060-U+206F, U+FEFF ...) become "\\uNNNN"; other UTF-8 passes as it is
 * (a backslash too). Cuts at a whole character or escape; returns the length
 * written. zq_log applies it to the whole formatted message. */
size_t zq_log_escape(const char *in, size_t n, char *out, size_t outsz);

void zq_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each '\n'-terminated line of text (as it is, not a format; a last line
 * without '\n' is dropped) as zq_log("%s", line) would write it, with one
 * timestamp, in as few write()s as fit in PIPE_BUF (whole lines only). */
void zq_log_lines(int level, const char *text);

#define zq_debug(...) zq_log(ZQ_LOG_DEBUG, __VA_ARGS__)
#define zq_info(...) zq_log(ZQ_LOG_INFO, __VA_ARGS__)
#define zq_warn(...) zq_log(ZQ_LOG_WARN, __VA_ARGS__)
#define zq_error(...) zq_log(ZQ_LOG_ERROR, __VA_ARGS__)

#endif
