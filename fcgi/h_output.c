/* h_output.c - GET .../executions/{eid}/output: the live output of a run,
 * read from an offset (README "Live output").
 *
 * Offsets count bytes of the stream: offset_end is every byte the command
 * wrote (execution_output.*_bytes), and the kept tail (stored as clean
 * UTF-8 text, at most scheduler.output_tail bytes) is taken to end there, so
 * it starts at offset_start = offset_end - its length. For valid UTF-8
 * output these are the command's own byte offsets; where the stored text
 * was cleaned (invalid bytes replaced) they are positions in that text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_api.h"
#include "handlers.h"
#include "mem.h"
#include "output_store.h"
#include "task.h"
#include "utf8.h"

/* Length of the escape sequence at p[0] (an ESC), within n bytes: CSI
 * (ESC [ ... final 0x40-0x7e), OSC (ESC ] ... BEL or ESC \), else ESC + one
 * byte. A sequence cut by the end of the text is all dropped. */
static size_t escape_len(const unsigned char *p, size_t n)
{
	size_t i = 2;

	if (n < 2)
		return n;
	if (p[1] == '[') {
		while (i < n && !(p[i] >= 0x40 && p[i] <= 0x7e))
			i++;
		return i < n ? i + 1 : n;
	}
	if (p[1] == ']') {
		while (i < n && p[i] != 0x07 && !(p[i] == 0x1b && i + 1 < n && p[i + 1] == '\\'))
			i++;
		return i >= n ? n : i + (p[i] == 0x07 ? 1 : 2);
	}
	return p[1] < 0x80 ? 2 : 1;
}

/* p[0..n) without ANSI colour and other escape sequences, into dst (n
 * bytes at least); returns the length. UTF-8 stays valid: only ASCII bytes
 * (and ESC) are removed. */
static size_t strip_ansi(const char *p, size_t n, char *dst)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] == 0x1b) {
			i += escape_len(s + i, n - i);
			continue;
		}
		dst[o++] = p[i++];
	}
	return o;
}

struct slice {
	int64_t start, end, after;
	const char *text;
	size_t len;
};

/* Where OFFSET falls in the kept text of one stream. */
static void slice_of(struct slice *sl, const char *text, size_t len, int64_t total, int64_t after)
{
	int64_t base = total - (int64_t)len, skip;

	sl->end = total;
	sl->start = base < 0 ? 0 : base;
	sl->after = after;
	skip = after - base;
	if (skip < 0)
		skip = 0;
	if (skip > (int64_t)len)
		skip = (int64_t)len;
	/* a character cut by the cap or by a client's offset is not half sent */
	while (skip < (int64_t)len &&
	       !zq_utf8_len((const unsigned char *)text + skip, len - (size_t)skip))
		skip++;
	sl->text = text ? text + skip : "";
	sl->len = len - (size_t)skip;
}

static int output_params(zq_ctx *c, int *is_err, int64_t *after)
{
	const char *s = zq_query_get(&c->req->query, "stream");

	*is_err = 0;
	if (s && *s && strcmp(s, "stdout") != 0) {
		if (strcmp(s, "stderr") != 0)
			return zq_errf(&c->err, ZQ_EINVAL, "stream: must be stdout or stderr");
		*is_err = 1;
	}
	return zq_query_int(&c->req->query, "after", 0, 0, INT64_MAX, after, &c->err);
}

int h_execution_output(zq_ctx *c)
{
	hist_output out;
	hist_exec e;
	struct slice sl;
	int64_t after;
	int is_err, rc, live;
	char *clean;
	size_t n;

	memset(&out, 0, sizeof(out));
	if ((rc = output_params(c, &is_err, &after)) < 0)
		return rc;
	if ((rc = history_store_get(c->db, c->p[0], c->p[1], &e, &c->err)) < 0)
		return rc;
	live = e.status == ZQ_EXEC_PENDING || e.status == ZQ_EXEC_RUNNING;
	if ((rc = history_store_output(c->db, e.id, &out, &c->err)) < 0)
		goto out;
	if (is_err)
		slice_of(&sl, out.stderr_tail, out.stderr_len, out.stderr_bytes, after);
	else
		slice_of(&sl, out.stdout_tail, out.stdout_len, out.stdout_bytes, after);
	clean = zq_malloc(sl.len + 1);
	n = strip_ansi(sl.text, sl.len, clean);
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "stream", is_err ? "stderr" : "stdout");
	jw_kint(&c->w, "offset_start", sl.start);
	jw_kint(&c->w, "offset_end", sl.end);
	jw_key(&c->w, "data");
	jw_strn(&c->w, clean, n);
	jw_kbool(&c->w, "dropped", after < sl.start);
	jw_kbool(&c->w, "running", live);
	jw_obj_end(&c->w);
	free(clean);
out:
	hist_exec_release(&e);
	hist_output_release(&out);
	return rc;
}
