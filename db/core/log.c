/* log.c - thread-safe line logger on stderr; messages are escaped so one
 * event is always one line. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"
#include "utf8.h"

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

/* Code points that are invisible or move text around in a terminal: C1
 * controls, line / paragraph separators, zero-width and bidi controls. */
static int unprintable(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) ||
	       cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB);
}

size_t zq_log_escape(const char *in, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (outsz == 0)
		return 0;
	while (i < n) {
		char esc[12];
		size_t len = 1, elen = 0;
		uint32_t cp = s[i];

		if (cp == '\n' || cp == '\r' || cp == '\t') {
			esc[0] = '\\';
			esc[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
			elen = 2;
		} else if (cp < 0x20 || cp == 0x7F) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\x%c%c", hex[cp >> 4], hex[cp & 15]);
		} else if (cp >= 0x80) {
			int l = zq_utf8_decode(s + i, n - i, &cp);

			if (l > 0)
				len = (size_t)l;
			if (l < 0)
				elen = (size_t)snprintf(esc, sizeof(esc), "\\x%c%c", hex[s[i] >> 4],
							hex[s[i] & 15]);
			else if (unprintable(cp))
				elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
		}
		if (!elen) {
			memcpy(esc, s + i, len);
			elen = len;
		}
		if (o + elen >= outsz)
			break; /* whole characters and escapes only */
		memcpy(out + o, esc, elen);
		o += elen;
		i += len;
	}
	out[o] = '\0';
	return o;
}

#define LOG_LINE_MAX 4096  /* a line, and a write: PIPE_BUF, never interleaved in a pipe */

static const char *const tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};

/* The line prefix into line (LOG_LINE_MAX): its length, or -1. */
static int log_prefix(int level, char *line)
{
	char ts[32];
	int n;

	zq_time_format_iso(zq_wall_ms(), ts, sizeof(ts));
	n = snprintf(line, LOG_LINE_MAX, "%s %s %s[%d]: ", ts, tags[level], log_ident,
		     (int)getpid());
	return n < 0 || n >= LOG_LINE_MAX ? -1 : n;
}

static void log_write(const char *buf, size_t n)
{
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* nowhere left to report it */
	}
}

void zq_log(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX], msg[4096];
	va_list ap;
	int n, m;

	if (level < atomic_load(&log_level) || level < 0 || level > 3)
		return;
	if ((n = log_prefix(level, line)) < 0)
		return;
	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	if ((size_t)m >= sizeof(msg))
		m = (int)sizeof(msg) - 1;
	/* every field of the message, whoever supplied it, stays on this line */
	n += (int)zq_log_escape(msg, (size_t)m, line + n, sizeof(line) - (size_t)n - 1);
	line[n++] = '\n';
	log_write(line, (size_t)n);
}

void zq_log_lines(int level, const char *text)
{
	char out[LOG_LINE_MAX], line[LOG_LINE_MAX];
	size_t used = 0;
	const char *nl;
	int p;

	if (level < atomic_load(&log_level) || level < 0 || level > 3)
		return;
	if ((p = log_prefix(level, line)) < 0)
		return;
	for (; *text && (nl = strchr(text, '\n')) != NULL; text = nl + 1) {
		size_t m = (size_t)(nl - text), n = (size_t)p;

		if (m > 4095)
			m = 4095;  /* as zq_log cuts a message */
		n += zq_log_escape(text, m, line + n, sizeof(line) - n - 1);
		line[n++] = '\n';
		if (used + n > sizeof(out)) {
			log_write(out, used);
			used = 0;
		}
		memcpy(out + used, line, n);
		used += n;
	}
	if (used)
		log_write(out, used);
}
