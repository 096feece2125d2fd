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

/* One strict UTF-8 sequence at s (n > 0 bytes): its length and *cp, or 0
 * when the bytes are not valid UTF-8 (overlongs, surrogates, > U+10FFFF,
 * truncated or stray continuation bytes). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if ((c & 0xE0) == 0xC0)
		len = 2, c &= 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		len = 3, c &= 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
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
			if (!(len = utf8_seq(s + i, n - i, &cp))) {
				len = 1;
				elen = (size_t)snprintf(esc, sizeof(esc), "\\x%c%c", hex[s[i] >> 4],
							hex[s[i] & 15]);
			} else if (unprintable(cp)) {
				elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			}
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

void zq_log(int level, const char *fmt, ...)
{
	static const char *const tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	char line[4096], msg[4096], ts[32];
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
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	if ((size_t)m >= sizeof(msg))
		m = (int)sizeof(msg) - 1;
	/* every field of the message, whoever supplied it, stays on this line */
	n += (int)zq_log_escape(msg, (size_t)m, line + n, sizeof(line) - (size_t)n - 1);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
