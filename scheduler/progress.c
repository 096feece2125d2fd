/* progress.c - parser for ##progress / ##result lines and the line
 * splitter that feeds it (see progress.h). */
#include "progress.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Digits at *p as a non-negative number <= PROGRESS_MAX_STEPS; -1 if none
 * or too large. Advances *p. */
static long parse_num(const char **p, const char *end)
{
	long v = 0;
	const char *s = *p;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (v > PROGRESS_MAX_STEPS)
			return -1;
	}
	*p = s;
	return v;
}

/* After the value: end of line, or blanks and a message. */
static int take_message(const char *p, const char *end, progress_line *out)
{
	if (p < end && !is_space(*p))
		return -1;
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	out->text = p;
	out->text_len = (size_t)(end - p);
	return 0;
}

static int parse_progress(const char *p, const char *end, progress_line *out)
{
	long a = parse_num(&p, end), b;

	if (a < 0)
		return PROGRESS_NONE;
	if (p < end && *p == '/') {
		p++;
		if ((b = parse_num(&p, end)) < 1 || take_message(p, end, out) < 0)
			return PROGRESS_NONE;
		out->current = a;
		out->total = b;
		out->percent = a >= b ? 100 : (int)(a * 100 / b);
		return out->kind = PROGRESS_STEP;
	}
	if (p < end && *p == '.') {  /* 42.5% -> 42 */
		p++;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p == end || *p != '%' || a > 100 || take_message(p + 1, end, out) < 0)
		return PROGRESS_NONE;
	out->percent = (int)a;
	return out->kind = PROGRESS_PERCENT;
}

int progress_parse(const char *line, size_t len, progress_line *out)
{
	const char *end = line + len, *p;

	memset(out, 0, sizeof(*out));
	if (len && end[-1] == '\r')
		end--;
	if ((size_t)(end - line) > 10 && memcmp(line, "##progress", 10) == 0 && is_space(line[10])) {
		for (p = line + 11; p < end && is_space(*p); p++)
			;
		if (parse_progress(p, end, out) == PROGRESS_NONE)
			memset(out, 0, sizeof(*out));
		return out->kind;
	}
	if ((size_t)(end - line) > 8 && memcmp(line, "##result", 8) == 0 && is_space(line[8])) {
		if (take_message(line + 8, end, out) == 0 && out->text_len)
			return out->kind = PROGRESS_RESULT;
		memset(out, 0, sizeof(*out));
	}
	return PROGRESS_NONE;
}

/* splitter states */
enum { AT_START = 0, KEEP, SKIP };

void progress_lines_init(progress_lines *l, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->cap = cap;
}

void progress_lines_release(progress_lines *l)
{
	free(l->buf);
	progress_lines_init(l, l->cap);
}

static void keep(progress_lines *l, const char *p, size_t n)
{
	if (l->len + n > l->cap) {  /* too long to be a directive we accept */
		l->state = SKIP;
		l->len = 0;
		return;
	}
	if (!l->buf)
		l->buf = zq_malloc(l->cap);
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

/* Outside a directive line: find the next line that starts with '#'.
 * Returns where it starts, or NULL (state updated for the next chunk). */
static const char *find_directive(progress_lines *l, const char *p, const char *end)
{
	const char *h = p;

	if (l->state == AT_START && *p == '#')
		return p;
	while ((h = memchr(h, '#', (size_t)(end - h))) != NULL) {
		if (h > p && h[-1] == '\n')
			return h;
		h++;
	}
	l->state = end[-1] == '\n' ? AT_START : SKIP;
	return NULL;
}

void progress_lines_feed(progress_lines *l, const char *p, size_t n, progress_line_fn fn,
			 void *ctx)
{
	const char *end = p + n, *nl;

	while (p < end) {
		if (l->state != KEEP) {
			if (!(p = find_directive(l, p, end)))
				return;
			l->state = KEEP;
			l->len = 0;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (l->state == KEEP)
			keep(l, p, (size_t)((nl ? nl : end) - p));
		if (!nl)
			return;
		if (l->state == KEEP)
			fn(l->buf, l->len, ctx);
		l->state = AT_START;
		l->len = 0;
		p = nl + 1;
	}
}

void progress_lines_finish(progress_lines *l, progress_line_fn fn, void *ctx)
{
	if (l->state == KEEP)
		fn(l->buf, l->len, ctx);
	l->state = AT_START;
	l->len = 0;
}
