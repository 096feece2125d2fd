/* fuzz_progress.c - libFuzzer target for what a command's output goes
 * through: the line splitter (fed in chunks the first byte chooses), the
 * ##progress / ##result parser, the capped tail and UTF-8 cleaning.
 * Besides crashes and sanitizer reports it checks what must always hold:
 * parsed values are in range and point inside the line, the splitter only
 * delivers lines starting with '#' and no longer than its cap, the tail
 * keeps at most its cap, and cleaned text is valid UTF-8 without NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "tail.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINE_CAP 256

static void check_utf8(const char *s, size_t n)
{
	/* text_clean's output cleaned again must be unchanged */
	size_t m;
	char *again = text_clean(s, n, TEXT_NO_LIMIT, &m);

	if (m != n || memcmp(again, s, n) != 0 || memchr(s, '\0', n))
		abort();
	free(again);
}

static void on_line(const char *line, size_t len, void *ctx)
{
	progress_line pl;

	(void)ctx;
	if (len > LINE_CAP || !len || line[0] != '#')
		abort();
	switch (progress_parse(line, len, &pl)) {
	case PROGRESS_STEP:
		if (pl.current < 0 || pl.total < 1 || pl.percent < 0 || pl.percent > 100)
			abort();
		/* fall through */
	case PROGRESS_PERCENT:
	case PROGRESS_RESULT:
		if (pl.percent < 0 || pl.percent > 100 || pl.text < line ||
		    pl.text + pl.text_len > line + len)
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	progress_lines l;
	tail t;
	size_t chunk, off = 0, n;
	char *s;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	progress_lines_init(&l, LINE_CAP);
	tail_init(&t, 64, 16);
	for (off = 1; off < size; off += chunk) {
		size_t k = size - off < chunk ? size - off : chunk;
		progress_lines_feed(&l, (const char *)data + off, k, on_line, NULL);
		tail_add(&t, (const char *)data + off, k);
	}
	progress_lines_finish(&l, on_line, NULL);
	if (t.len > 64 || t.total != size - 1)
		abort();
	s = tail_text(&t, &n);
	check_utf8(s, n);
	free(s);
	s = tail_head_text(&t, 500);
	check_utf8(s, strlen(s));
	free(s);
	tail_release(&t);
	progress_lines_release(&l);
	return 0;
}
